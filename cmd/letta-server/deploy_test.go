package main

// These tests hold the deployment files to what the server does, by the
// means CI has (no Docker engine): the Dockerfile's build line is run
// natively and its instructions checked; the compose file is parsed and its
// services, pins, volumes, health checks and variables asserted against the
// variables the server's config really reads.

import (
	"debug/elf"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/letta-server/letta-server/internal/llm/llmtest"
)

// repoRoot is the module root, two levels above this package.
const repoRoot = "../.."

func readRepoFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// serverVariables returns every environment variable LoadConfig reads,
// found by recording its getenv calls (so aliases and NAME_FILE forms
// count), minus HOME.
func serverVariables(t *testing.T) []string {
	t.Helper()
	var mu sync.Mutex
	seen := map[string]bool{}
	getenv := func(k string) string {
		mu.Lock()
		defer mu.Unlock()
		seen[k] = true
		return ""
	}
	if _, err := LoadConfig(nil, getenv, io.Discard); err != nil {
		t.Fatal(err)
	}
	delete(seen, "HOME")
	names := make([]string, 0, len(seen))
	for k := range seen {
		names = append(names, k)
	}
	slices.Sort(names)
	if len(names) < 15 || !slices.Contains(names, "LETTA_SERVER_PASSWORD") || !slices.Contains(names, "DATABASE_URL") {
		t.Fatalf("recorded variables look wrong: %v", names)
	}
	return names
}

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd  string // upper case
	args string
}

func parseDockerfile(t *testing.T) []instruction {
	t.Helper()
	text := strings.ReplaceAll(readRepoFile(t, "Dockerfile"), "\\\n", " ")
	var out []instruction
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cmd, args, _ := strings.Cut(line, " ")
		out = append(out, instruction{cmd: strings.ToUpper(cmd), args: strings.Join(strings.Fields(args), " ")})
	}
	return out
}

func TestDockerfileInstructions(t *testing.T) {
	t.Parallel()
	ins := parseDockerfile(t)
	var froms, users, envs, volumes, exposes, health, entry []string
	var copyFromBuild string
	for _, in := range ins {
		switch in.cmd {
		case "FROM":
			froms = append(froms, in.args)
		case "USER":
			users = append(users, in.args)
		case "ENV":
			envs = append(envs, strings.Fields(in.args)...)
		case "VOLUME":
			volumes = append(volumes, in.args)
		case "EXPOSE":
			exposes = append(exposes, in.args)
		case "HEALTHCHECK":
			health = append(health, in.args)
		case "ENTRYPOINT":
			entry = append(entry, in.args)
		case "COPY":
			if strings.HasPrefix(in.args, "--from=build ") {
				copyFromBuild = in.args
			}
		}
	}
	if len(froms) != 2 || !strings.HasSuffix(froms[0], " AS build") || !strings.HasPrefix(froms[1], "python:") {
		t.Errorf("FROM lines %q: want a build stage and a python runtime", froms)
	}
	if len(users) == 0 || slices.Contains([]string{"root", "0", "root:root", "0:0"}, users[len(users)-1]) {
		t.Errorf("the image runs as %q, want a non-root user", users)
	}
	for _, want := range []string{"LETTA_HOST=0.0.0.0", "LETTA_DATA_DIR=/data"} {
		if !slices.Contains(envs, want) {
			t.Errorf("ENV lacks %s (has %q)", want, envs)
		}
	}
	if !slices.Equal(volumes, []string{"/data"}) {
		t.Errorf("VOLUME = %q, want /data", volumes)
	}
	if !slices.Equal(exposes, []string{strconv.Itoa(defaultPort)}) {
		t.Errorf("EXPOSE = %q, want %d", exposes, defaultPort)
	}
	if len(entry) != 1 || entry[0] != `["/usr/local/bin/letta-server"]` {
		t.Errorf("ENTRYPOINT = %q", entry)
	}
	if !strings.Contains(copyFromBuild, "/out/letta-server /usr/local/bin/letta-server") {
		t.Errorf("COPY --from=build = %q, want the built binary into /usr/local/bin", copyFromBuild)
	}
	if len(health) != 1 {
		t.Fatalf("HEALTHCHECK lines: %q", health)
	}

	// The health check command works: run it natively against a live
	// server, the port given as PORT (Railway) and as LETTA_PORT.
	_, cmdLine, ok := strings.Cut(health[0], "CMD ")
	if !ok {
		t.Fatalf("HEALTHCHECK without CMD: %q", health[0])
	}
	if _, err := exec.LookPath("wget"); err != nil {
		t.Skip("no wget here to run the HEALTHCHECK command")
	}
	fake := llmtest.NewServer(t)
	in := launch(t, fake, nil)
	port := in.base[strings.LastIndex(in.base, ":")+1:]
	for _, env := range [][]string{{"PORT=" + port}, {"LETTA_PORT=" + port}, {"PORT=" + port, "LETTA_PORT=1"}} {
		c := exec.CommandContext(t.Context(), "sh", "-c", cmdLine)
		c.Env = append(os.Environ(), env...)
		if out, err := c.CombinedOutput(); err != nil {
			t.Errorf("HEALTHCHECK with %v failed: %v %s", env, err, out)
		}
	}
	c := exec.CommandContext(t.Context(), "sh", "-c", cmdLine)
	c.Env = append(os.Environ(), "PORT=1")
	if err := c.Run(); err == nil {
		t.Errorf("HEALTHCHECK passed with nothing listening")
	}
}

// TestDockerfileBuildCommand runs the Dockerfile's `go build` line natively
// (cache mounts dropped, the ARG defaults and a test VERSION filled in) and
// checks the binary is static and carries the version.
func TestDockerfileBuildCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the server; skipped with -short")
	}
	t.Parallel()
	args := map[string]string{}
	var build string
	for _, in := range parseDockerfile(t) {
		if in.cmd == "ARG" {
			k, v, _ := strings.Cut(in.args, "=")
			args[k] = v
		}
		if in.cmd == "RUN" && strings.Contains(in.args, "go build") {
			build = in.args
		}
	}
	if build == "" {
		t.Fatal("no RUN go build line in the Dockerfile")
	}
	build = regexp.MustCompile(`--mount=\S+\s*`).ReplaceAllString(build, "")
	if !strings.Contains(build, "CGO_ENABLED=0") || !strings.Contains(build, "./cmd/letta-server") {
		t.Fatalf("build line %q: want a CGO_ENABLED=0 build of ./cmd/letta-server", build)
	}
	const version = "v0.0.0-dockerfile-test"
	args["VERSION"] = version
	build = os.Expand(build, func(k string) string { return args[k] })
	out := filepath.Join(t.TempDir(), "letta-server")
	if !strings.Contains(build, "-o /out/letta-server") {
		t.Fatalf("build line %q does not write /out/letta-server, which COPY --from=build takes", build)
	}
	build = strings.Replace(build, "-o /out/letta-server", "-o "+out, 1)

	c := exec.CommandContext(t.Context(), "sh", "-c", build)
	c.Dir = repoRoot
	if b, err := c.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", build, err, b)
	}
	got, err := exec.CommandContext(t.Context(), out, "version").Output()
	if err != nil || strings.TrimSpace(string(got)) != version {
		t.Errorf("built binary's version = %q (%v), want %q", got, err, version)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("the binary has a dynamic loader: not static")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary links %v: not static", libs)
	}
}

// composeFile is the part of docker-compose.yml the tests read.
type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Build       any               `yaml:"build"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
		Ports       []string          `yaml:"ports"`
		DependsOn   map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		Healthcheck *struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
		StopGracePeriod string `yaml:"stop_grace_period"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

func TestComposeFile(t *testing.T) {
	t.Parallel()
	var cf composeFile
	if err := yaml.Unmarshal([]byte(readRepoFile(t, "docker-compose.yml")), &cf); err != nil {
		t.Fatalf("decode docker-compose.yml: %v", err)
	}

	names := make([]string, 0, len(cf.Services))
	for n := range cf.Services {
		names = append(names, n)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"db", "letta"}) {
		t.Fatalf("services = %v, want db and letta", names)
	}
	db, letta := cf.Services["db"], cf.Services["letta"]

	// The database: pgvector, pinned to a release and a Postgres major.
	if !regexp.MustCompile(`^pgvector/pgvector:\d+\.\d+\.\d+-pg\d+$`).MatchString(db.Image) {
		t.Errorf("db image %q: want pgvector/pgvector pinned like 0.8.1-pg17", db.Image)
	}
	if !slices.Contains(db.Volumes, "pgdata:/var/lib/postgresql/data") {
		t.Errorf("db volumes %v: want the named volume pgdata on the data directory", db.Volumes)
	}
	if _, ok := cf.Volumes["pgdata"]; !ok {
		t.Errorf("named volume pgdata is not declared")
	}
	if db.Healthcheck == nil || !strings.Contains(strings.Join(db.Healthcheck.Test, " "), "pg_isready") {
		t.Errorf("db health check %+v: want pg_isready", db.Healthcheck)
	}
	if !strings.Contains(db.Environment["POSTGRES_PASSWORD"], "${POSTGRES_PASSWORD:?") {
		t.Errorf("POSTGRES_PASSWORD = %q: want it required from .env", db.Environment["POSTGRES_PASSWORD"])
	}

	// The server: built here, started once the database is healthy.
	if letta.Build == nil {
		t.Errorf("letta service is not built from the Dockerfile")
	}
	if letta.DependsOn["db"].Condition != "service_healthy" {
		t.Errorf("letta depends_on db = %+v, want condition service_healthy", letta.DependsOn)
	}
	if letta.Healthcheck == nil || !strings.Contains(strings.Join(letta.Healthcheck.Test, " "), "/v1/ready") {
		t.Errorf("letta health check %+v: want /v1/ready", letta.Healthcheck)
	}
	if letta.StopGracePeriod == "" {
		t.Errorf("letta has no stop_grace_period: docker's 10s default cuts the drain short")
	}
	if len(letta.Ports) != 1 || !strings.HasSuffix(letta.Ports[0], ":"+strconv.Itoa(defaultPort)) {
		t.Errorf("letta ports %v: want the server's port %d published", letta.Ports, defaultPort)
	}
	pg := letta.Environment["LETTA_PG_URI"]
	if !strings.Contains(pg, "@db:5432/") || !strings.Contains(pg, "${POSTGRES_PASSWORD") {
		t.Errorf("LETTA_PG_URI = %q: want the db service, with the .env password", pg)
	}
	if !strings.HasPrefix(letta.Environment["LETTA_SERVER_PASSWORD"], "${LETTA_SERVER_PASSWORD:?") {
		t.Errorf("LETTA_SERVER_PASSWORD = %q: want it required from .env", letta.Environment["LETTA_SERVER_PASSWORD"])
	}

	// Every variable compose passes is one the server reads, and every
	// one it reads reaches it, except those the image or compose fix.
	read := serverVariables(t)
	for name := range letta.Environment {
		if !slices.Contains(read, name) {
			t.Errorf("compose passes %s, which the server does not read", name)
		}
	}
	notPassed := map[string]bool{
		"LETTA_HOST": true, "PORT": true, "LETTA_PORT": true, "LETTA_DATA_DIR": true, // fixed by the image
		"DATABASE_URL": true, "LETTA_SERVER_SECURE": true, // compose sets LETTA_PG_URI and a password
		"OPENAI_API_BASE": true, "GOOGLE_CLOUD_REGION": true, "LOG_LEVEL": true, "TOOL_SANDBOX_TIMEOUT": true, // aliases
	}
	for _, name := range read {
		if !notPassed[name] && !strings.HasSuffix(name, "_FILE") && letta.Environment[name] == "" {
			t.Errorf("the server reads %s but compose does not pass it: add it to docker-compose.yml and .env.example", name)
		}
	}

	// Every ${VAR} compose interpolates is documented in .env.example.
	example := readRepoFile(t, ".env.example")
	for _, m := range regexp.MustCompile(`\$\{([A-Z0-9_]+)`).FindAllStringSubmatch(readRepoFile(t, "docker-compose.yml"), -1) {
		if !regexp.MustCompile(`(?m)^#? ?` + m[1] + `=`).MatchString(example) {
			t.Errorf("compose reads ${%s}, which .env.example does not document", m[1])
		}
	}
}

func TestEnvExampleDocumentsEveryVariable(t *testing.T) {
	t.Parallel()
	example := readRepoFile(t, ".env.example")
	for _, name := range serverVariables(t) {
		if !regexp.MustCompile(`\b` + name + `\b`).MatchString(example) {
			t.Errorf(".env.example does not mention %s, which the server reads", name)
		}
	}
	// Every assignment in it names a variable the server or compose reads.
	read := serverVariables(t)
	compose := readRepoFile(t, "docker-compose.yml")
	for _, m := range regexp.MustCompile(`(?m)^#? ?([A-Z][A-Z0-9_]+)=`).FindAllStringSubmatch(example, -1) {
		if !slices.Contains(read, m[1]) && !strings.Contains(compose, "${"+m[1]) {
			t.Errorf(".env.example sets %s, which neither the server nor compose reads", m[1])
		}
	}
}

func TestRailwayConfig(t *testing.T) {
	t.Parallel()
	var rc struct {
		Build struct {
			Builder        string `json:"builder"`
			DockerfilePath string `json:"dockerfilePath"`
		} `json:"build"`
		Deploy struct {
			HealthcheckPath string `json:"healthcheckPath"`
			StartCommand    string `json:"startCommand"`
		} `json:"deploy"`
	}
	if err := json.Unmarshal([]byte(readRepoFile(t, "railway.json")), &rc); err != nil {
		t.Fatalf("railway.json: %v", err)
	}
	if rc.Build.Builder != "DOCKERFILE" || rc.Build.DockerfilePath != "Dockerfile" {
		t.Errorf("railway build = %+v, want the Dockerfile", rc.Build)
	}
	if rc.Deploy.HealthcheckPath != "/v1/ready" {
		t.Errorf("railway healthcheckPath = %q, want /v1/ready", rc.Deploy.HealthcheckPath)
	}
	if rc.Deploy.StartCommand != "" {
		t.Errorf("railway startCommand %q would bypass the image's entrypoint", rc.Deploy.StartCommand)
	}
}
