package deploy

import (
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The files under test, relative to this directory.
const (
	composeFile    = "compose.yaml"
	dockerfileFile = "Dockerfile"
)

const (
	proxyService   = "proxy"
	migrateService = "migrate"
	initService    = "mongo-init"
	minioService   = "minio"
	replicaSet     = "rs0"
	// cmdDir is the package the image must build, relative to the repository root.
	cmdDir = "./cmd/tracereg"
)

var (
	mongoNodes = []string{"mongo1", "mongo2", "mongo3"}
	replicas   = []string{"tracereg-1", "tracereg-2"}
)

func wantServices() []string {
	s := slices.Concat(mongoNodes, []string{initService, minioService, migrateService}, replicas, []string{proxyService})
	slices.Sort(s)
	return s
}

// bundle is the deploy directory as the checks see it. The real files are read
// from disk; tests that prove a check can fail overlay altered copies.
type bundle struct {
	overlay map[string][]byte
}

func (b bundle) read(name string) ([]byte, error) {
	if data, ok := b.overlay[path.Clean(name)]; ok {
		return data, nil
	}
	return os.ReadFile(name)
}

func (b bundle) stat(name string) (fs.FileInfo, error) {
	if _, ok := b.overlay[path.Clean(name)]; ok {
		return nil, nil // present; callers only need existence for overlaid files
	}
	return os.Stat(name)
}

// A check inspects the bundle and returns one message per problem.
type check func(bundle) []string

// run reports every problem a check finds in the real files.
func run(t *testing.T, c check) {
	t.Helper()
	for _, p := range c(bundle{}) {
		t.Error(p)
	}
}

// ---- compose model -------------------------------------------------------

type composeSpec struct {
	Services map[string]service `yaml:"services"`
	Networks map[string]any     `yaml:"networks"`
	Volumes  map[string]any     `yaml:"volumes"`
}

type service struct {
	Image       string       `yaml:"image"`
	Build       *buildSpec   `yaml:"build"`
	Entrypoint  stringList   `yaml:"entrypoint"`
	Command     stringList   `yaml:"command"`
	Environment environment  `yaml:"environment"`
	DependsOn   dependsOn    `yaml:"depends_on"`
	Ports       []yaml.Node  `yaml:"ports"`
	Volumes     []mount      `yaml:"volumes"`
	Networks    networks     `yaml:"networks"`
	NetworkMode string       `yaml:"network_mode"`
	Restart     string       `yaml:"restart"`
	Healthcheck *healthcheck `yaml:"healthcheck"`
}

type buildSpec struct {
	Context    string `yaml:"context"`
	Dockerfile string `yaml:"dockerfile"`
}

func (b *buildSpec) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		b.Context = n.Value
		return nil
	}
	type plain buildSpec
	return n.Decode((*plain)(b))
}

type healthcheck struct {
	Test    stringList `yaml:"test"`
	Disable bool       `yaml:"disable"`
}

// stringList is a command in either form: a list, or one shell string.
type stringList []string

func (s *stringList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*s = stringList{n.Value}
		return nil
	}
	var l []string
	err := n.Decode(&l)
	*s = l
	return err
}

func (s stringList) String() string { return strings.Join(s, " ") }

// environment accepts both the mapping and the KEY=value list syntax.
type environment map[string]string

func (e *environment) UnmarshalYAML(n *yaml.Node) error {
	out := environment{}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			v := resolve(n.Content[i+1])
			if v.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: environment value of %s is not a scalar", v.Line, n.Content[i].Value)
			}
			if v.Tag == "!!null" {
				out[n.Content[i].Value] = ""
			} else {
				out[n.Content[i].Value] = v.Value
			}
		}
	case yaml.SequenceNode:
		var l []string
		if err := n.Decode(&l); err != nil {
			return err
		}
		for _, kv := range l {
			k, v, _ := strings.Cut(kv, "=")
			out[k] = v
		}
	default:
		return fmt.Errorf("line %d: environment must be a mapping or a list", n.Line)
	}
	*e = out
	return nil
}

type dependency struct {
	Condition string `yaml:"condition"`
}

// dependsOn accepts both the short (list) and the long (mapping) syntax.
type dependsOn map[string]dependency

func (d *dependsOn) UnmarshalYAML(n *yaml.Node) error {
	out := dependsOn{}
	if n.Kind == yaml.SequenceNode {
		var l []string
		if err := n.Decode(&l); err != nil {
			return err
		}
		for _, name := range l {
			out[name] = dependency{}
		}
	} else if err := n.Decode((*map[string]dependency)(&out)); err != nil {
		return err
	}
	for name, dep := range out {
		if dep.Condition == "" {
			dep.Condition = "service_started"
			out[name] = dep
		}
	}
	*d = out
	return nil
}

// mount is a volume entry in either syntax.
type mount struct {
	Type   string `yaml:"type"`
	Source string `yaml:"source"`
	Target string `yaml:"target"`
}

func (m *mount) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		type plain mount
		return n.Decode((*plain)(m))
	}
	parts := strings.Split(n.Value, ":")
	switch {
	case len(parts) == 1:
		m.Type, m.Target = "volume", parts[0]
	default:
		m.Source, m.Target = parts[0], parts[1]
		m.Type = "volume"
		if strings.HasPrefix(m.Source, ".") || strings.HasPrefix(m.Source, "/") || strings.HasPrefix(m.Source, "~") {
			m.Type = "bind"
		}
	}
	return nil
}

type attachment struct {
	IPv4Address string `yaml:"ipv4_address"`
}

// networks accepts a list of names or a mapping of name to attachment.
type networks map[string]attachment

func (a *networks) UnmarshalYAML(n *yaml.Node) error {
	out := networks{}
	if n.Kind == yaml.SequenceNode {
		var l []string
		if err := n.Decode(&l); err != nil {
			return err
		}
		for _, name := range l {
			out[name] = attachment{}
		}
	} else {
		var m map[string]*attachment
		if err := n.Decode(&m); err != nil {
			return err
		}
		for name, att := range m {
			if att != nil {
				out[name] = *att
			} else {
				out[name] = attachment{}
			}
		}
	}
	*a = out
	return nil
}

func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func loadCompose(b bundle) (*composeSpec, *yaml.Node, error) {
	data, err := b.read(composeFile)
	if err != nil {
		return nil, nil, err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, nil, fmt.Errorf("%s: %v", composeFile, err)
	}
	var spec composeSpec
	if err := root.Decode(&spec); err != nil {
		return nil, nil, fmt.Errorf("%s: %v", composeFile, err)
	}
	return &spec, &root, nil
}

// withCompose adapts a check on the parsed compose file.
func withCompose(f func(b bundle, c *composeSpec, root *yaml.Node) []string) check {
	return func(b bundle) []string {
		c, root, err := loadCompose(b)
		if err != nil {
			return []string{err.Error()}
		}
		return f(b, c, root)
	}
}

// ---- (a) services --------------------------------------------------------

var checkServices = withCompose(func(_ bundle, c *composeSpec, _ *yaml.Node) []string {
	var p []string
	for _, name := range wantServices() {
		if _, ok := c.Services[name]; !ok {
			p = append(p, "missing service "+name)
		}
	}
	for name, s := range c.Services {
		if s.Image == "" && s.Build == nil {
			p = append(p, name+": neither image nor build")
		}
		for dep := range s.DependsOn {
			if _, ok := c.Services[dep]; !ok {
				p = append(p, fmt.Sprintf("%s depends on unknown service %s", name, dep))
			}
		}
		for _, m := range s.Volumes {
			if m.Type == "volume" && m.Source != "" {
				if _, ok := c.Volumes[m.Source]; !ok {
					p = append(p, fmt.Sprintf("%s mounts undeclared volume %s", name, m.Source))
				}
			}
		}
		for n := range s.Networks {
			if _, ok := c.Networks[n]; !ok {
				p = append(p, fmt.Sprintf("%s joins undeclared network %s", name, n))
			}
		}
	}
	for _, name := range mongoNodes {
		s, ok := c.Services[name]
		if !ok {
			continue
		}
		if !strings.HasPrefix(s.Image, "mongo:") {
			p = append(p, fmt.Sprintf("%s: image %q is not mongo", name, s.Image))
		}
		if i := slices.Index(s.Command, "--replSet"); i < 0 || i+1 >= len(s.Command) || s.Command[i+1] != replicaSet {
			p = append(p, fmt.Sprintf("%s: command %q lacks --replSet %s", name, s.Command, replicaSet))
		}
		if !slices.Contains(s.Command, "--bind_ip_all") {
			p = append(p, fmt.Sprintf("%s: command %q lacks --bind_ip_all", name, s.Command))
		}
		if s.Healthcheck == nil || s.Healthcheck.Disable || !strings.Contains(s.Healthcheck.Test.String(), "ping") {
			p = append(p, name+": no ping healthcheck")
		}
	}
	if s, ok := c.Services[initService]; ok {
		script := s.Entrypoint.String() + " " + s.Command.String()
		if !strings.Contains(script, "rs.initiate") || !strings.Contains(script, "'"+replicaSet+"'") {
			p = append(p, initService+": does not rs.initiate "+replicaSet)
		}
		if !strings.Contains(script, "NotYetInitialized") {
			p = append(p, initService+": not idempotent (initiates without checking rs.status)")
		}
		for _, node := range mongoNodes {
			if !strings.Contains(script, node+":27017") {
				p = append(p, fmt.Sprintf("%s: member %s:27017 missing", initService, node))
			}
			if s.DependsOn[node].Condition != "service_healthy" {
				p = append(p, fmt.Sprintf("%s: must depend on %s being service_healthy", initService, node))
			}
		}
	}
	if s, ok := c.Services[minioService]; ok {
		if !slices.Contains(s.Command, "server") {
			p = append(p, minioService+": command does not run the server")
		}
		if s.Healthcheck == nil || s.Healthcheck.Disable || len(s.Healthcheck.Test) == 0 {
			p = append(p, minioService+": no healthcheck")
		}
	}
	if s, ok := c.Services[migrateService]; ok {
		if !slices.Equal(s.Command, []string{"migrate"}) {
			p = append(p, fmt.Sprintf("%s: command %q, want [migrate]", migrateService, s.Command))
		}
		if s.DependsOn[initService].Condition != "service_completed_successfully" {
			p = append(p, migrateService+": must wait for "+initService+" to complete successfully")
		}
	}
	for _, name := range []string{initService, migrateService} {
		if s, ok := c.Services[name]; ok && s.Restart != "" && s.Restart != "no" {
			p = append(p, fmt.Sprintf("%s is one-shot but has restart: %s", name, s.Restart))
		}
	}
	if s, ok := c.Services[proxyService]; ok {
		if !strings.HasPrefix(s.Image, "caddy:") && !strings.HasPrefix(s.Image, "nginx") {
			p = append(p, fmt.Sprintf("%s: image %q is neither caddy nor nginx", proxyService, s.Image))
		}
	}
	return p
})

func TestComposeServices(t *testing.T) { run(t, checkServices) }

// ---- (b) replicas --------------------------------------------------------

var checkReplicas = withCompose(func(_ bundle, c *composeSpec, _ *yaml.Node) []string {
	var p []string
	migrate, hasMigrate := c.Services[migrateService]
	proxy := c.Services[proxyService]
	for _, name := range replicas {
		s, ok := c.Services[name]
		if !ok {
			p = append(p, "missing replica "+name)
			continue
		}
		bad := func(format string, args ...any) { p = append(p, name+": "+fmt.Sprintf(format, args...)) }
		env := s.Environment
		hosts, query, err := parseMongoURI(env["MONGODB_URI"])
		if err != nil {
			bad("MONGODB_URI: %v", err)
		} else {
			if query.Get("replicaSet") != replicaSet {
				bad("MONGODB_URI lacks replicaSet=%s", replicaSet)
			}
			for _, node := range mongoNodes {
				if !slices.Contains(hosts, node) {
					bad("MONGODB_URI does not list %s", node)
				}
			}
		}
		if host, _, _ := strings.Cut(env["S3_ENDPOINT"], ":"); host == "" {
			bad("S3_ENDPOINT not set")
		} else if _, ok := c.Services[host]; !ok {
			bad("S3_ENDPOINT %q names no service", env["S3_ENDPOINT"])
		}
		if env["TRACEREG_ENV"] != "production" {
			bad("TRACEREG_ENV=%q, want production", env["TRACEREG_ENV"])
		}
		if env["HOST"] != "0.0.0.0" {
			bad("HOST=%q, want 0.0.0.0", env["HOST"])
		}
		if env["TRACEREG_JWT_KEY"] == "" {
			bad("TRACEREG_JWT_KEY not set; replicas must share the signing key")
		}
		if s.DependsOn[migrateService].Condition != "service_completed_successfully" {
			bad("must depend on %s with condition service_completed_successfully", migrateService)
		}
		if hasMigrate && s.Image != migrate.Image {
			bad("image %q differs from %s's %q", s.Image, migrateService, migrate.Image)
		}
		// The trusted proxy must be the proxy's fixed address on a shared network.
		trusted := env["TRACEREG_TRUSTED_PROXIES"]
		found := false
		for n := range s.Networks {
			if a, ok := proxy.Networks[n]; ok && a.IPv4Address != "" && a.IPv4Address == trusted {
				found = true
			}
		}
		if !found {
			bad("TRACEREG_TRUSTED_PROXIES=%q is not the %s's ipv4_address on a shared network", trusted, proxyService)
		}
	}
	return p
})

// parseMongoURI returns the host names (without ports) and the options of a
// mongodb:// connection string, which net/url cannot parse when it lists
// several hosts.
func parseMongoURI(uri string) (hosts []string, query url.Values, err error) {
	rest, ok := strings.CutPrefix(uri, "mongodb://")
	if !ok {
		return nil, nil, fmt.Errorf("%q is not a mongodb:// URI", uri)
	}
	hostPart, opts, _ := strings.Cut(rest, "?")
	hostPart, _, _ = strings.Cut(hostPart, "/")
	if _, after, ok := strings.Cut(hostPart, "@"); ok {
		hostPart = after
	}
	for _, h := range strings.Split(hostPart, ",") {
		name, _, _ := strings.Cut(h, ":")
		hosts = append(hosts, name)
	}
	query, err = url.ParseQuery(opts)
	return hosts, query, err
}

func TestComposeReplicas(t *testing.T) { run(t, checkReplicas) }

// ---- (c) published ports -------------------------------------------------

var checkPorts = withCompose(func(_ bundle, c *composeSpec, _ *yaml.Node) []string {
	var p []string
	for name, s := range c.Services {
		if s.NetworkMode == "host" {
			p = append(p, name+": network_mode host bypasses the proxy")
		}
		if len(s.Ports) > 0 && name != proxyService {
			p = append(p, name+" publishes ports; only the "+proxyService+" may")
		}
	}
	if len(c.Services[proxyService].Ports) == 0 {
		p = append(p, proxyService+" publishes no ports")
	}
	return p
})

func TestComposeOnlyProxyPublishes(t *testing.T) { run(t, checkPorts) }

// ---- (d) variables and secrets -------------------------------------------

var (
	// ${NAME:-default}, ${NAME-default} or ${NAME:?message}.
	varWithDefault = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(:?-|:\?)`)
	// A value that is nothing but one required reference.
	requiredRef = regexp.MustCompile(`^\$\{[A-Za-z_][A-Za-z0-9_]*:\?[^${}]*\}$`)
	secretKey   = regexp.MustCompile(`PASSWORD|SECRET|KEY`)
	envName     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// interpolations returns the body of every ${...} in s and a problem for each
// malformed or bare $NAME reference. $$ is compose's escape for a literal $.
func interpolations(s string) (bodies, problems []string) {
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			continue
		}
		switch {
		case i+1 < len(s) && s[i+1] == '$':
			i++
		case i+1 < len(s) && s[i+1] == '{':
			depth, j := 0, i+1
			for ; j < len(s); j++ {
				if s[j] == '{' {
					depth++
				} else if s[j] == '}' {
					depth--
					if depth == 0 {
						break
					}
				}
			}
			if j == len(s) {
				problems = append(problems, fmt.Sprintf("unterminated ${ in %q", s))
				return bodies, problems
			}
			body := s[i+2 : j]
			bodies = append(bodies, body)
			// A default may itself contain references.
			if m := varWithDefault.FindString(body); m != "" {
				b, q := interpolations(body[len(m):])
				bodies, problems = append(bodies, b...), append(problems, q...)
			}
			i = j
		case i+1 < len(s) && (s[i+1] == '_' || s[i+1] >= 'A' && s[i+1] <= 'Z' || s[i+1] >= 'a' && s[i+1] <= 'z'):
			problems = append(problems, fmt.Sprintf("bare $NAME reference in %q: write ${NAME:-default} or ${NAME:?message}", s))
		}
	}
	return bodies, problems
}

// walk calls f on every scalar of the tree with the mapping key it is the
// value of (or "" for keys and list items). Aliases are not followed, so each
// anchored node is visited once.
func walk(n *yaml.Node, key string, f func(key string, n *yaml.Node)) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			walk(c, "", f)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			walk(n.Content[i], "", f)
			walk(n.Content[i+1], n.Content[i].Value, f)
		}
	case yaml.ScalarNode:
		f(key, n)
	}
}

var checkVariables = withCompose(func(_ bundle, _ *composeSpec, root *yaml.Node) []string {
	var p []string
	walk(root, "", func(_ string, n *yaml.Node) {
		bodies, problems := interpolations(n.Value)
		for _, q := range problems {
			p = append(p, fmt.Sprintf("line %d: %s", n.Line, q))
		}
		for _, body := range bodies {
			if !varWithDefault.MatchString(body) {
				p = append(p, fmt.Sprintf("line %d: ${%s} has neither a default (:-) nor is required (:?)", n.Line, body))
			}
		}
	})
	return p
})

var checkSecrets = withCompose(func(_ bundle, _ *composeSpec, root *yaml.Node) []string {
	var p []string
	walk(root, "", func(key string, n *yaml.Node) {
		value := n.Value
		if key == "" { // a list item may be KEY=value
			k, v, ok := strings.Cut(n.Value, "=")
			if !ok || !envName.MatchString(k) {
				return
			}
			key, value = k, v
		}
		if secretKey.MatchString(strings.ToUpper(key)) && !requiredRef.MatchString(value) {
			p = append(p, fmt.Sprintf("line %d: %s must be a required reference ${NAME:?message}, not %q", n.Line, key, value))
		}
	})
	return p
})

func TestComposeVariables(t *testing.T) { run(t, checkVariables) }

func TestComposeNoLiteralSecrets(t *testing.T) { run(t, checkSecrets) }

// ---- (e) Dockerfile ------------------------------------------------------

type instruction struct {
	line int
	cmd  string // upper case
	args string
}

type stage struct {
	from  instruction
	name  string
	instr []instruction
}

func parseDockerfile(src string) []stage {
	var stages []stage
	var buf strings.Builder
	start := 0
	for i, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(line)
		if buf.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if buf.Len() > 0 && strings.HasPrefix(trimmed, "#") {
			continue // comments inside a continued instruction
		}
		if buf.Len() == 0 {
			start = i + 1
		}
		if cont, ok := strings.CutSuffix(trimmed, `\`); ok {
			buf.WriteString(cont + " ")
			continue
		}
		buf.WriteString(trimmed)
		cmd, args, _ := strings.Cut(buf.String(), " ")
		buf.Reset()
		in := instruction{line: start, cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			st := stage{from: in}
			f := strings.Fields(in.args)
			if len(f) >= 3 && strings.EqualFold(f[len(f)-2], "AS") {
				st.name = f[len(f)-1]
			}
			stages = append(stages, st)
			continue
		}
		if len(stages) > 0 {
			stages[len(stages)-1].instr = append(stages[len(stages)-1].instr, in)
		}
	}
	return stages
}

func checkDockerfile(b bundle) []string {
	data, err := b.read(dockerfileFile)
	if err != nil {
		return []string{err.Error()}
	}
	stages := parseDockerfile(string(data))
	if len(stages) < 2 {
		return []string{fmt.Sprintf("%s: %d stages, want a multi-stage build", dockerfileFile, len(stages))}
	}
	var p []string
	final := stages[len(stages)-1]
	base := strings.Fields(final.from.args)
	image := base[len(base)-1]
	if final.name != "" {
		image = base[len(base)-3]
	}

	// Non-root: the last USER of the final stage wins; without one, only a
	// nonroot base image is acceptable.
	user := ""
	for _, in := range final.instr {
		if in.cmd == "USER" {
			user = in.args
		}
	}
	if user == "" {
		if !strings.Contains(image, "nonroot") {
			p = append(p, fmt.Sprintf("final stage (%s) has no USER and its base is not a nonroot image", image))
		}
	} else if name, _, _ := strings.Cut(user, ":"); name == "root" || name == "0" {
		p = append(p, "final stage runs as root (USER "+user+")")
	}

	// The go build command, its stage and its flags.
	var build *instruction
	var buildStage stage
	for _, st := range stages[:len(stages)-1] {
		for i, in := range st.instr {
			if in.cmd == "RUN" && strings.Contains(in.args, "go build") {
				build, buildStage = &st.instr[i], st
			}
		}
	}
	if build == nil {
		return append(p, "no RUN go build in a build stage")
	}
	if !slices.Contains(strings.Fields(build.args), cmdDir) {
		p = append(p, fmt.Sprintf("line %d: go build does not build %s", build.line, cmdDir))
	}
	if fi, err := b.stat(path.Join("..", cmdDir)); err != nil || (fi != nil && !fi.IsDir()) {
		p = append(p, fmt.Sprintf("%s is not a directory of the repository", cmdDir))
	}
	for _, flag := range []string{"-trimpath", "-X main.version="} {
		if !strings.Contains(build.args, flag) {
			p = append(p, fmt.Sprintf("line %d: go build lacks %s", build.line, flag))
		}
	}
	cgo := regexp.MustCompile(`\bCGO_ENABLED=(\S+)`)
	cgoOff := false
	for _, in := range buildStage.instr {
		if in.cmd != "ENV" && in.cmd != "RUN" && in.cmd != "ARG" {
			continue
		}
		if in.line > build.line {
			break
		}
		for _, m := range cgo.FindAllStringSubmatch(in.args, -1) {
			cgoOff = strings.Trim(m[1], `"'`) == "0"
		}
	}
	if !cgoOff {
		p = append(p, "go build does not run with CGO_ENABLED=0")
	}

	// The final stage: binary, entrypoint, environment.
	var env, entry, expose string
	copied := false
	for _, in := range final.instr {
		switch in.cmd {
		case "ENV":
			env += " " + in.args
		case "ENTRYPOINT":
			entry = in.args
		case "EXPOSE":
			expose += " " + in.args
		case "COPY":
			f := strings.Fields(in.args)
			if strings.HasPrefix(in.args, "--from=") && f[len(f)-1] == "/tracereg" {
				copied = true
			}
		}
	}
	if !copied {
		p = append(p, "final stage does not COPY --from the build stage to /tracereg")
	}
	if entry != `["/tracereg"]` {
		p = append(p, fmt.Sprintf(`ENTRYPOINT %s, want ["/tracereg"]`, entry))
	}
	for _, kv := range []string{"HOST=0.0.0.0", "TRACEREG_DATA=/data"} {
		if !slices.Contains(strings.Fields(env), kv) {
			p = append(p, "final stage lacks ENV "+kv)
		}
	}
	if !slices.Contains(strings.Fields(expose), "8080") {
		p = append(p, "final stage does not EXPOSE 8080")
	}
	return p
}

func TestDockerfile(t *testing.T) { run(t, checkDockerfile) }

// ---- (f) mounted files ---------------------------------------------------

var checkMounts = withCompose(func(b bundle, c *composeSpec, _ *yaml.Node) []string {
	var p []string
	binds := 0
	for name, s := range c.Services {
		for _, m := range s.Volumes {
			if m.Type != "bind" {
				continue
			}
			binds++
			if !strings.HasPrefix(m.Source, "./") || strings.Contains(m.Source, "..") {
				p = append(p, fmt.Sprintf("%s mounts %s; mount only files kept in deploy/ (./name)", name, m.Source))
				continue
			}
			if fi, err := b.stat(m.Source); err != nil {
				p = append(p, fmt.Sprintf("%s mounts %s, which does not exist in deploy/", name, m.Source))
			} else if fi != nil && fi.IsDir() {
				p = append(p, fmt.Sprintf("%s mounts %s, a directory, want a file", name, m.Source))
			}
		}
		if s.Build != nil {
			df := s.Build.Dockerfile
			if df == "" {
				df = "Dockerfile"
			}
			if _, err := b.stat(path.Join(s.Build.Context, df)); err != nil {
				p = append(p, fmt.Sprintf("%s builds with %s in context %s, which does not exist", name, df, s.Build.Context))
			}
		}
	}
	if binds == 0 {
		p = append(p, "no file is mounted from deploy/ (the proxy needs its configuration)")
	}
	return p
})

func TestComposeMountedFilesExist(t *testing.T) { run(t, checkMounts) }

// ---- (g) proxy configuration ---------------------------------------------

var comment = regexp.MustCompile(`(?m)(^|\s)#.*$`)

var checkProxyConfig = withCompose(func(b bundle, c *composeSpec, _ *yaml.Node) []string {
	s, ok := c.Services[proxyService]
	if !ok {
		return []string{"missing service " + proxyService}
	}
	var conf strings.Builder
	for _, m := range s.Volumes {
		if m.Type != "bind" {
			continue
		}
		data, err := b.read(m.Source)
		if err != nil {
			return []string{err.Error()}
		}
		conf.Write(comment.ReplaceAll(data, nil))
	}
	if conf.Len() == 0 {
		return []string{proxyService + " mounts no configuration file"}
	}
	var p []string
	text := conf.String()
	for _, r := range replicas {
		if !regexp.MustCompile(`(^|[\s/])` + regexp.QuoteMeta(r+":8080") + `\b`).MatchString(text) {
			p = append(p, fmt.Sprintf("proxy configuration does not route to %s:8080", r))
		}
	}
	health := regexp.MustCompile(`(health_uri|health_check|check|uri)\s+\S*/readyz\b|/readyz\b`)
	if strings.HasPrefix(s.Image, "caddy") {
		health = regexp.MustCompile(`\bhealth_uri\s+/readyz\b`)
	}
	if !health.MatchString(text) {
		p = append(p, "proxy configuration does not health-check /readyz")
	}
	return p
})

func TestProxyConfig(t *testing.T) { run(t, checkProxyConfig) }

// ---- every check can fail ------------------------------------------------

// breakage alters one file of the bundle; a check must report it.
type breakage struct {
	name    string
	check   check
	file    string
	pattern string // regexp, must match the current file
	repl    string
}

func TestChecksDetectBreakage(t *testing.T) {
	cases := []breakage{
		{"service missing", checkServices, composeFile, `(?m)^  mongo3:$`, "  mongo4:"},
		{"proxy missing", checkServices, composeFile, `(?m)^  proxy:$`, "  edge:"},
		{"no replSet", checkServices, composeFile, `"--replSet", "rs0", `, ""},
		{"init not idempotent", checkServices, composeFile, `NotYetInitialized`, "Whatever"},
		{"migrate runs early", checkServices, composeFile, `(?s)(migrate:.*?mongo-init:\s+condition: )service_completed_successfully`, "${1}service_started"},
		{"replica set name", checkReplicas, composeFile, `replicaSet=rs0`, "replicaSet=rs1"},
		{"mongo host missing", checkReplicas, composeFile, `,mongo3:27017`, ""},
		{"not production", checkReplicas, composeFile, `TRACEREG_ENV: production`, "TRACEREG_ENV: development"},
		{"localhost only", checkReplicas, composeFile, `HOST: 0.0.0.0`, "HOST: 127.0.0.1"},
		{"no S3 endpoint", checkReplicas, composeFile, `(?m)^    S3_ENDPOINT: .*\n`, ""},
		{"replica skips migrate", checkReplicas, composeFile, `(?s)(tracereg-2:.*?migrate:\s+condition: )service_completed_successfully`, "${1}service_started"},
		{"wrong trusted proxy", checkReplicas, composeFile, `TRACEREG_TRUSTED_PROXIES: .*`, "TRACEREG_TRUSTED_PROXIES: 0.0.0.0/0"},
		{"replica publishes", checkPorts, composeFile, `(?m)^(  tracereg-1:\n)`, "${1}    ports: [\"8080:8080\"]\n"},
		{"mongo publishes", checkPorts, composeFile, `(?m)^(  mongo2:\n)`, "${1}    ports:\n      - \"27017:27017\"\n"},
		{"bare variable", checkVariables, composeFile, `\$\{TRACEREG_JWT_KEY:\?[^}]*\}`, "$${TRACEREG_JWT_KEY}"},
		{"bare dollar", checkVariables, composeFile, `\$\{LOG_LEVEL:-info\}`, "$$LOG_LEVEL"},
		{"literal password", checkSecrets, composeFile, `(MINIO_ROOT_PASSWORD: )\$\{MINIO_ROOT_PASSWORD:\?[^}]*\}`, "${1}hunter2hunter2"},
		{"password default", checkSecrets, composeFile, `\$\{TRACEREG_ADMIN_PASSWORD:\?[^}]*\}`, "$${TRACEREG_ADMIN_PASSWORD:-admin}"},
		{"literal key in list", checkSecrets, composeFile, `(?m)^    environment:\n      TRACEREG_DOMAIN: (.*)$`, "    environment:\n      - TRACEREG_DOMAIN=${1}\n      - S3_SECRET_KEY=abc"},
		{"root user", checkDockerfile, dockerfileFile, `USER 65532:65532`, "USER root"},
		{"no user", checkDockerfile, dockerfileFile, `(?m)^USER .*$`, ""},
		{"cgo on", checkDockerfile, dockerfileFile, `(?m)^    CGO_ENABLED=0 `, "    CGO_ENABLED=1 "},
		{"wrong package", checkDockerfile, dockerfileFile, `\./cmd/tracereg`, "./cmd/other"},
		{"single stage", checkDockerfile, dockerfileFile, `(?m)^FROM scratch$`, ""},
		{"missing mount", checkMounts, composeFile, `\./Caddyfile:`, "./Caddyfile.missing:"},
		{"absolute mount", checkMounts, composeFile, `\./Caddyfile:`, "/etc/Caddyfile:"},
		{"missing dockerfile", checkMounts, composeFile, `dockerfile: deploy/Dockerfile`, "dockerfile: deploy/Containerfile"},
		{"replica not proxied", checkProxyConfig, "Caddyfile", `tracereg-2:8080`, ""},
		{"no readyz", checkProxyConfig, "Caddyfile", `health_uri /readyz`, "health_uri /healthz"},
		{"readyz only in a comment", checkProxyConfig, "Caddyfile", `health_uri /readyz`, "# health_uri /readyz"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			orig, err := os.ReadFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			re := regexp.MustCompile(tc.pattern)
			if !re.Match(orig) {
				t.Fatalf("pattern %q no longer matches %s; update this case", tc.pattern, tc.file)
			}
			broken := re.ReplaceAll(orig, []byte(tc.repl))
			problems := tc.check(bundle{overlay: map[string][]byte{tc.file: broken}})
			if len(problems) == 0 {
				t.Fatalf("check reported nothing after breaking %s", tc.file)
			}
			t.Logf("reported: %s", strings.Join(problems, "; "))
		})
	}
}

// The checks must at least see their own input: guard against a model that
// silently decodes nothing.
func TestComposeModelSeesEnvironment(t *testing.T) {
	c, _, err := loadCompose(bundle{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range replicas {
		if len(c.Services[name].Environment) == 0 {
			t.Errorf("%s: no environment decoded (merge key not applied?)", name)
		}
	}
}
