package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tracereg/tracereg/registry/credential"
	"github.com/tracereg/tracereg/registry/gs1"
)

// verifyCommand runs `tracereg verify`: it checks a signed credential or a
// label's Digital Link against the issuer's DID document and, for a
// credential, the status lists it names. Given --did and --status files it
// never touches the network; without them it fetches what it needs.
func verifyCommand(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	didSrc := fs.String("did", "", "the issuer's DID document: a file or URL (default: resolve the did:web)")
	var statusSrcs multiFlag
	fs.Var(&statusSrcs, "status", "a status list credential: a file or URL (repeat for each list; default: fetch the lists the credential names)")
	at := fs.String("at", "", "judge validity at this RFC 3339 time (default: now)")
	offline := fs.Bool("offline", false, "never use the network: --did (and --status for a credential) must be files")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("verify: %w (usage: tracereg verify [--did FILE|URL] [--status FILE|URL]... [--at TIME] [--offline] FILE|URL|-)", err)
	}
	if fs.NArg() != 1 {
		return errors.New("verify: say what: a credential file (- for standard input), its URL, or a label's Digital Link")
	}
	now := time.Now()
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return fmt.Errorf("verify: --at %q is not an RFC 3339 time", *at)
		}
		now = t
	}
	get := fetcher{offline: *offline}
	target := fs.Arg(0)

	// A label: a Digital Link with an AI 8030 signature.
	if u, err := url.Parse(target); err == nil && (u.Scheme == "https" || u.Scheme == "http") && strings.Contains(u.Path, "/01/") {
		dl, err := gs1.ParsePath(u.EscapedPath()[strings.Index(u.EscapedPath(), "/01/"):], u.RawQuery)
		if err != nil {
			return fmt.Errorf("verify: not a GS1 Digital Link: %w", err)
		}
		sig := dl.Attributes[credential.AISignature]
		if sig == "" {
			return errors.New("verify: the code carries no AI 8030 signature: it cannot be checked offline (look it up instead)")
		}
		doc, err := get.didDocument(ctx, *didSrc, "did:web:"+strings.ReplaceAll(u.Host, ":", "%3A"))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "code: GTIN %s, lot %s, serial %s\n", dl.GTIN, dl.Lot, dl.Serial)
		if !credential.VerifyCode(doc, dl.GTIN, dl.Variant, dl.Lot, dl.Serial, sig) {
			fmt.Fprintln(stdout, "result: NOT GENUINE (the signature is not the issuer's for this code)")
			return errors.New("verify: the code's signature does not verify")
		}
		fmt.Fprintf(stdout, "signature: valid, by %s\nresult: GENUINE (issued by the registry)\n", doc.ID)
		return nil
	}

	tokBytes, err := get.read(ctx, target)
	if err != nil {
		return err
	}
	tok := strings.TrimSpace(string(tokBytes))
	issuer, err := unverifiedIssuer(tok)
	if err != nil {
		return err
	}
	doc, err := get.didDocument(ctx, *didSrc, issuer)
	if err != nil {
		return err
	}
	v, err := credential.Verify(tok, doc)
	if err != nil {
		fmt.Fprintln(stdout, "result: NOT VALID")
		return fmt.Errorf("verify: %w", err)
	}
	fmt.Fprintf(stdout, "signature: valid, key %s\ntype: %s\n", v.KeyID, strings.Join(v.Types, ", "))
	if name, ok := v.Credential["name"].(string); ok {
		fmt.Fprintf(stdout, "name: %s\n", name)
	}
	fmt.Fprintf(stdout, "valid: from %s until %s\n", orDash(v.ValidFrom), orDash(v.ValidUntil))
	if err := v.ActiveAt(now); err != nil {
		// Out of its dates, its status no longer matters.
		fmt.Fprintf(stdout, "result: NOT IN FORCE (%v)\n", err)
		return fmt.Errorf("verify: the credential is genuine but not in force: %w", err)
	}
	var problems []string

	lists := map[string]*credential.StatusList{}
	srcs := []string(statusSrcs)
	if len(srcs) == 0 {
		srcs = credential.StatusListURLs(v)
	}
	for _, src := range srcs {
		b, err := get.read(ctx, src)
		if err != nil {
			return err
		}
		l, err := credential.ParseStatusList(string(b), doc)
		if err != nil {
			return fmt.Errorf("verify: the status list %s: %w", src, err)
		}
		if err := l.Signed.ActiveAt(now); err != nil {
			return fmt.Errorf("verify: the status list %s is out of date (%v): fetch it again", src, err)
		}
		lists[l.URL] = l
	}
	res, err := credential.CheckStatus(v, lists)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	for _, r := range res {
		state := map[bool]string{false: "no", true: "YES"}[r.Set]
		fmt.Fprintf(stdout, "%s: %s (position %d)\n", map[string]string{"revocation": "revoked", "suspension": "suspended"}[r.Purpose], state, r.Index)
		if r.Set {
			problems = append(problems, map[string]string{"revocation": "revoked", "suspension": "suspended"}[r.Purpose])
		}
	}
	if len(problems) > 0 {
		fmt.Fprintf(stdout, "result: NOT IN FORCE (%s)\n", strings.Join(problems, "; "))
		return errors.New("verify: the credential is genuine but not in force: " + strings.Join(problems, "; "))
	}
	fmt.Fprintln(stdout, "result: VALID (genuine and in force)")
	return nil
}

func orDash(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Format(time.RFC3339)
}

// unverifiedIssuer reads the issuer a token claims, to know which DID
// document to check it against; nothing in it is trusted before that.
func unverifiedIssuer(tok string) (string, error) {
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(tok, claims); err != nil {
		return "", errors.New("verify: not a compact JWS (application/vc+jwt)")
	}
	switch iss := claims["issuer"].(type) {
	case string:
		return iss, nil
	case map[string]any:
		if id, ok := iss["id"].(string); ok {
			return id, nil
		}
	}
	return "", errors.New("verify: the credential names no issuer")
}

// fetcher reads files, standard input, and (unless offline) URLs.
type fetcher struct{ offline bool }

const maxFetch = 8 << 20

func (f fetcher) read(ctx context.Context, src string) ([]byte, error) {
	if src == "-" {
		return io.ReadAll(io.LimitReader(os.Stdin, maxFetch))
	}
	if strings.HasPrefix(src, "https://") || strings.HasPrefix(src, "http://") {
		if f.offline {
			return nil, fmt.Errorf("verify: --offline, but %s is a URL: give the file instead", src)
		}
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
		if err != nil {
			return nil, err
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, fmt.Errorf("verify: fetch %s: %w", src, err)
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("verify: fetch %s: %s", src, res.Status)
		}
		return io.ReadAll(io.LimitReader(res.Body, maxFetch))
	}
	b, err := os.ReadFile(src)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	return b, nil
}

// didDocument reads src, or resolves did (did:web only) when src is empty.
func (f fetcher) didDocument(ctx context.Context, src, did string) (*credential.DIDDocument, error) {
	if src == "" {
		u, err := didWebURL(did)
		if err != nil {
			return nil, err
		}
		src = u
	}
	b, err := f.read(ctx, src)
	if err != nil {
		return nil, err
	}
	doc, err := credential.ParseDIDDocument(b)
	if err != nil {
		return nil, fmt.Errorf("verify: %s: %w", src, err)
	}
	if did != "" && doc.ID != did {
		return nil, fmt.Errorf("verify: the DID document is %s's, not the issuer %s's", doc.ID, did)
	}
	return doc, nil
}

// didWebURL is where a did:web's document lives. The method says https; a
// localhost DID (a developer's registry) is read over http.
func didWebURL(did string) (string, error) {
	rest, ok := strings.CutPrefix(did, "did:web:")
	if !ok || rest == "" {
		return "", fmt.Errorf("verify: the issuer %q is not a did:web: give its DID document with --did", did)
	}
	segs := strings.Split(rest, ":")
	host, err := url.PathUnescape(segs[0])
	if err != nil {
		return "", fmt.Errorf("verify: the issuer %q is not a did:web", did)
	}
	scheme := "https://"
	if h, _, _ := strings.Cut(host, ":"); h == "localhost" || h == "127.0.0.1" {
		scheme = "http://"
	}
	if len(segs) == 1 {
		return scheme + host + "/.well-known/did.json", nil
	}
	return scheme + host + "/" + strings.Join(segs[1:], "/") + "/did.json", nil
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// rotateCredentialKey runs `tracereg credential-key rotate`.
func rotateCredentialKey(cfg Config, args []string, stdout io.Writer) error {
	if len(args) != 1 || args[0] != "rotate" {
		return errors.New("credential-key: say rotate")
	}
	keys, err := credential.RotateKey(cfg.CredentialKeys, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s now signs; %d keys in %s stay in the DID document, so what they signed still verifies. Restart the replicas (sharing the file) to use it.\n",
		keys.Current().ID, len(keys.Keys()), cfg.CredentialKeys)
	return nil
}
