package main

import (
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/credential"
)

// Config is read only from environment variables and checked at start.
type Config struct {
	Port           int
	Host           string
	DataDir        string
	Env            string // development or production
	AdminPassword  string
	PublicBaseURL  string
	LogLevel       string
	MongoURI       string
	MongoDatabase  string
	S3Endpoint     string
	S3Bucket       string
	S3AccessKey    string
	S3SecretKey    string
	S3UseTLS       bool
	S3Region       string
	TrustedProxies []string
	JWTKey         []byte // Ed25519 seed; empty: generated into the data directory
	// CredentialKeys is the file of the keys that sign credentials and label codes.
	CredentialKeys string
	// SignLabels puts an AI 8030 signature on every label's QR code.
	SignLabels  bool
	TLSCert     *tls.Certificate // from TRACEREG_TLS_CERT_FILE and TRACEREG_TLS_KEY_FILE; nil: plain HTTP
	PlaceHeader string           // header a trusted proxy gives the client's province in
	PublicRate  int              // public requests a minute per address; negative: no limit
	APIRate     int              // API requests a minute per caller; negative: no limit
	// Calendar and Inbox set the conformity announcement deadlines.
	Calendar registry.WorkCalendar
	Inbox    registry.InboxRules
	// Phases are the programme's stages and targets.
	Phases []registry.PlanPhase
	// WebhookAllowPrivate lets webhook deliveries reach loopback, private
	// and link-local addresses (tests, closed networks).
	WebhookAllowPrivate bool
	// WebhookWorkers bounds the deliveries one replica sends at once.
	WebhookWorkers int
}

// envVars documents every variable: the README's table is checked against it.
var envVars = []struct{ Name, Default, Doc string }{
	{"PORT", "8080", "TCP port to listen on"},
	{"HOST", "127.0.0.1", "address to listen on (0.0.0.0 in containers)"},
	{"TRACEREG_DATA", "./data", "data directory: embedded database, documents on disk, signing key"},
	{"TRACEREG_ENV", "development", "development or production (production refuses demo data)"},
	{"TRACEREG_ADMIN_PASSWORD", "(generated)", "password of the first admin account, created on a first start with an empty database; generated and printed once if unset"},
	{"PUBLIC_BASE_URL", "http://localhost:PORT", "public address used in QR codes and GS1 Digital Link URIs"},
	{"LOG_LEVEL", "info", "debug, info, warn or error"},
	{"MONGODB_URI", "(embedded)", "MongoDB connection string (a replica set); unset: the embedded SQLite file tracereg.db in the data directory"},
	{"MONGODB_DATABASE", "tracereg", "database name"},
	{"S3_ENDPOINT", "(disk)", "host:port of MinIO or any S3; unset: documents on local disk under the data directory"},
	{"S3_BUCKET", "tracereg", "bucket for documents (created if missing)"},
	{"S3_ACCESS_KEY", "", "S3 access key (required with S3_ENDPOINT)"},
	{"S3_SECRET_KEY", "", "S3 secret key (required with S3_ENDPOINT)"},
	{"S3_USE_TLS", "false", "true to reach S3 over HTTPS"},
	{"S3_REGION", "", "S3 region, if the service needs one"},
	{"TRACEREG_TRUSTED_PROXIES", "", "comma-separated IPs or CIDRs of reverse proxies whose X-Forwarded-For is trusted"},
	{"TRACEREG_TLS_CERT_FILE", "", "PEM certificate chain: with TRACEREG_TLS_KEY_FILE, PORT serves HTTPS (TLS 1.2 or later) and answers carry HSTS; unset: plain HTTP, for a TLS proxy in front"},
	{"TRACEREG_TLS_KEY_FILE", "", "PEM private key of TRACEREG_TLS_CERT_FILE"},
	{"TRACEREG_PLACE_HEADER", "", "request header in which a trusted proxy (TRACEREG_TRUSTED_PROXIES) gives the client's province as ISO 3166-2:VN (VN-33); unset: scans record no place. Clients' own hints are never believed"},
	{"TRACEREG_PUBLIC_RATE_LIMIT", "600", "public requests (resolver, lot pages, QR images, certificate search, reports) one address may make a minute; -1 turns the limit off"},
	{"TRACEREG_API_RATE_LIMIT", "1200", "API requests one caller (user, else address) may make a minute on one replica; -1 turns the limit off"},
	{"TRACEREG_JWT_KEY", "(generated)", "base64 of the 32-byte Ed25519 seed that signs tokens; replicas must share it; unset: generated into the data directory"},
	{"TRACEREG_CREDENTIAL_KEYS", "DATA/credential-keys", "file of the Ed25519 keys that sign credentials, status lists and label codes (made on first start; `tracereg credential-key rotate` adds one); replicas must share it"},
	{"TRACEREG_SIGN_LABELS", "true", "true: every label's QR code carries an AI 8030 signature an offline checker can verify; false: plain Digital Links"},
	{"TRACEREG_HOLIDAYS_FILE", "(built in)", "file of public holidays and make-up working days for announcement deadlines, one a line: `2026-02-16 off Tết`, `2025-02-08 work làm bù` (or JSON); unset: Vietnam's holidays 2025–2027"},
	{"TRACEREG_ASK_DAYS", "3", "working days the agency has to ask for missing items of an announcement dossier"},
	{"TRACEREG_RECEIPT_DAYS", "5", "working days the agency has to issue the notice of receipt of a complete dossier"},
	{"TRACEREG_RECEIPT_FORMAT", "{seq}/{year}/TBTN-SKHCN", "number format of the notice of receipt ({seq}, {seq:3} zero-padded, {year})"},
	{"TRACEREG_WEBHOOK_ALLOW_PRIVATE", "false", "true lets webhook deliveries reach loopback, private, link-local and other non-public addresses (checked on the address dialled); for tests and closed networks only"},
	{"TRACEREG_WEBHOOK_WORKERS", "4", "webhook deliveries one replica sends at once (1 to 64); each waits at most 10 s for its receiver"},
	{"TRACEREG_TARGETS_2026_2030", "qcdp=1,experts=20,courses=3,support=40", "the programme's targets for 2026–2030 (the plan sets only an orientation), `key=min` or `key=min-max` for qcdp, experts, courses, support; judged from 2026"},
}

// LoadConfig reads and checks the configuration; an error names the variable.
func LoadConfig(getenv func(string) string) (Config, error) {
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	var c Config
	var err error
	bad := func(name, why string) error { return fmt.Errorf("configuration: %s %s", name, why) }

	if c.Port, err = strconv.Atoi(get("PORT", "8080")); err != nil || c.Port < 1 || c.Port > 65535 {
		return c, bad("PORT", fmt.Sprintf("must be a port number from 1 to 65535, got %q", getenv("PORT")))
	}
	c.Host = get("HOST", "127.0.0.1")
	if net.ParseIP(c.Host) == nil && c.Host != "localhost" {
		return c, bad("HOST", fmt.Sprintf("must be an IP address or localhost, got %q", c.Host))
	}
	if c.DataDir, err = filepath.Abs(get("TRACEREG_DATA", "./data")); err != nil {
		return c, bad("TRACEREG_DATA", err.Error())
	}
	c.Env = get("TRACEREG_ENV", "development")
	if c.Env != "development" && c.Env != "production" {
		return c, bad("TRACEREG_ENV", fmt.Sprintf("must be development or production, got %q", c.Env))
	}
	c.AdminPassword = getenv("TRACEREG_ADMIN_PASSWORD")
	if c.AdminPassword != "" && (len([]rune(c.AdminPassword)) < 10 || len(c.AdminPassword) > 128) {
		return c, bad("TRACEREG_ADMIN_PASSWORD", "must be 10 to 128 characters")
	}
	c.PublicBaseURL = strings.TrimRight(get("PUBLIC_BASE_URL", fmt.Sprintf("http://localhost:%d", c.Port)), "/")
	if u, err := url.Parse(c.PublicBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return c, bad("PUBLIC_BASE_URL", fmt.Sprintf("must be an http or https address such as https://truyxuat.example.vn, got %q", c.PublicBaseURL))
	}
	c.LogLevel = get("LOG_LEVEL", "info")
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return c, bad("LOG_LEVEL", fmt.Sprintf("must be debug, info, warn or error, got %q", c.LogLevel))
	}
	c.MongoURI = getenv("MONGODB_URI")
	if c.MongoURI != "" && !strings.HasPrefix(c.MongoURI, "mongodb://") && !strings.HasPrefix(c.MongoURI, "mongodb+srv://") {
		return c, bad("MONGODB_URI", "must start with mongodb:// or mongodb+srv://")
	}
	c.MongoDatabase = get("MONGODB_DATABASE", "tracereg")
	if !validDatabaseName(c.MongoDatabase) {
		return c, bad("MONGODB_DATABASE", "must be 1 to 63 letters, digits, _ or -")
	}
	c.S3Endpoint = getenv("S3_ENDPOINT")
	c.S3Bucket = get("S3_BUCKET", "tracereg")
	c.S3AccessKey = getenv("S3_ACCESS_KEY")
	c.S3SecretKey = getenv("S3_SECRET_KEY")
	c.S3Region = getenv("S3_REGION")
	if c.S3UseTLS, err = strconv.ParseBool(get("S3_USE_TLS", "false")); err != nil {
		return c, bad("S3_USE_TLS", fmt.Sprintf("must be true or false, got %q", getenv("S3_USE_TLS")))
	}
	if c.S3Endpoint != "" {
		if strings.Contains(c.S3Endpoint, "://") || strings.Contains(c.S3Endpoint, "/") {
			return c, bad("S3_ENDPOINT", "must be host:port without a scheme (use S3_USE_TLS for https)")
		}
		if c.S3AccessKey == "" {
			return c, bad("S3_ACCESS_KEY", "is required when S3_ENDPOINT is set")
		}
		if c.S3SecretKey == "" {
			return c, bad("S3_SECRET_KEY", "is required when S3_ENDPOINT is set")
		}
		if len(c.S3Bucket) < 3 || len(c.S3Bucket) > 63 || strings.ToLower(c.S3Bucket) != c.S3Bucket || strings.ContainsAny(c.S3Bucket, "_/ ") {
			return c, bad("S3_BUCKET", "must be 3 to 63 lowercase letters, digits, dots or dashes")
		}
	}
	for _, p := range strings.Split(getenv("TRACEREG_TRUSTED_PROXIES"), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			return c, bad("TRACEREG_TRUSTED_PROXIES", fmt.Sprintf("has %q, which is neither an IP address nor a CIDR", p))
		}
		c.TrustedProxies = append(c.TrustedProxies, p)
	}
	certFile, keyFile := getenv("TRACEREG_TLS_CERT_FILE"), getenv("TRACEREG_TLS_KEY_FILE")
	switch {
	case certFile != "" && keyFile == "":
		return c, bad("TRACEREG_TLS_KEY_FILE", "is required with TRACEREG_TLS_CERT_FILE")
	case certFile == "" && keyFile != "":
		return c, bad("TRACEREG_TLS_CERT_FILE", "is required with TRACEREG_TLS_KEY_FILE")
	case certFile != "":
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return c, bad("TRACEREG_TLS_CERT_FILE", fmt.Sprintf("and TRACEREG_TLS_KEY_FILE must be a readable PEM certificate and its key: %v", err))
		}
		c.TLSCert = &cert
	}
	c.PlaceHeader = getenv("TRACEREG_PLACE_HEADER")
	if c.PlaceHeader != "" && !validHeaderName(c.PlaceHeader) {
		return c, bad("TRACEREG_PLACE_HEADER", "must be a header name: letters, digits and dashes")
	}
	for _, r := range []struct {
		name string
		to   *int
	}{{"TRACEREG_PUBLIC_RATE_LIMIT", &c.PublicRate}, {"TRACEREG_API_RATE_LIMIT", &c.APIRate}} {
		if v := getenv(r.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n == 0 || n < -1 || n > 1000000 {
				return c, bad(r.name, fmt.Sprintf("must be a whole number of requests a minute from 1 to 1000000, or -1 for no limit, got %q", v))
			}
			*r.to = n
		}
	}
	if k := getenv("TRACEREG_JWT_KEY"); k != "" {
		seed, err := base64.StdEncoding.DecodeString(k)
		if err != nil || len(seed) != 32 {
			return c, bad("TRACEREG_JWT_KEY", "must be the base64 of 32 bytes (openssl rand -base64 32)")
		}
		c.JWTKey = seed
	}
	if c.CredentialKeys, err = filepath.Abs(get("TRACEREG_CREDENTIAL_KEYS", filepath.Join(c.DataDir, credential.KeyFileName))); err != nil {
		return c, bad("TRACEREG_CREDENTIAL_KEYS", err.Error())
	}
	switch v := get("TRACEREG_SIGN_LABELS", "true"); v {
	case "true", "false":
		c.SignLabels = v == "true"
	default:
		return c, bad("TRACEREG_SIGN_LABELS", fmt.Sprintf("must be true or false, got %q", v))
	}
	if path := getenv("TRACEREG_HOLIDAYS_FILE"); path != "" {
		f, err := os.Open(path)
		if err != nil {
			return c, bad("TRACEREG_HOLIDAYS_FILE", fmt.Sprintf("cannot be read: %v", err))
		}
		c.Calendar, err = registry.LoadWorkCalendar(f)
		f.Close()
		if err != nil {
			return c, bad("TRACEREG_HOLIDAYS_FILE", err.Error())
		}
	}
	for _, d := range []struct {
		name string
		to   *int
	}{{"TRACEREG_ASK_DAYS", &c.Inbox.MissingItemsDays}, {"TRACEREG_RECEIPT_DAYS", &c.Inbox.ReceiptDays}} {
		if v := getenv(d.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 60 {
				return c, bad(d.name, fmt.Sprintf("must be a whole number of working days from 1 to 60, got %q", v))
			}
			*d.to = n
		}
	}
	c.Inbox.ReceiptNumberFormat = getenv("TRACEREG_RECEIPT_FORMAT")
	if err := c.Inbox.Validate(); err != nil {
		return c, bad("TRACEREG_RECEIPT_FORMAT", err.Error())
	}
	if c.WebhookAllowPrivate, err = strconv.ParseBool(get("TRACEREG_WEBHOOK_ALLOW_PRIVATE", "false")); err != nil {
		return c, bad("TRACEREG_WEBHOOK_ALLOW_PRIVATE", fmt.Sprintf("must be true or false, got %q", getenv("TRACEREG_WEBHOOK_ALLOW_PRIVATE")))
	}
	c.WebhookWorkers = 4
	if v := getenv("TRACEREG_WEBHOOK_WORKERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 64 {
			return c, bad("TRACEREG_WEBHOOK_WORKERS", fmt.Sprintf("must be a whole number from 1 to 64, got %q", v))
		}
		c.WebhookWorkers = n
	}
	c.Phases = registry.DefaultPlanPhases()
	if v := getenv("TRACEREG_TARGETS_2026_2030"); v != "" {
		t, err := registry.ParsePlanTargets("TRACEREG_TARGETS_2026_2030", v, c.Phases[1].Targets)
		if err != nil {
			return c, bad("TRACEREG_TARGETS_2026_2030", registry.PublicError(err).Fields[0].Message)
		}
		c.Phases[1].Targets = t
	}
	return c, nil
}

func validHeaderName(s string) bool {
	if len(s) > 100 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return s != ""
}

func validDatabaseName(s string) bool {
	if len(s) == 0 || len(s) > 63 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
