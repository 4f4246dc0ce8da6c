package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/letta-server/letta-server/internal/letta"
)

// Defaults used when neither a flag nor the environment says otherwise.
const (
	defaultHost            = "127.0.0.1"
	defaultPort            = 8283
	defaultDataDirName     = ".letta-server"
	sqliteFileName         = "letta.db"
	defaultShutdownTimeout = 30 * time.Second
)

// redacted replaces a secret wherever the Config is printed or logged.
const redacted = "[redacted]"

// Config is everything the server reads from its flags and environment.
// Nothing outside package main reads either.
type Config struct {
	// DatabaseURL is a Postgres URL; empty selects the embedded SQLite store.
	DatabaseURL string
	// DatabaseURLVar names the variable DatabaseURL came from, for errors.
	DatabaseURLVar string
	// DataDir holds the SQLite file (and anything else kept on disk).
	DataDir string

	Host string
	Port int
	// PortVar names the variable Port came from, for errors ("" = default).
	PortVar string

	// Password, when set, is required on every route but health.
	Password string
	// Secure asks for a password; without one a random one is generated.
	Secure bool

	OpenAIAPIKey  string
	OpenAIBaseURL string

	// Providers beyond OpenAI; each is enabled by its key (or location)
	// and its base URL can be overridden for proxies and tests.
	XAIAPIKey           string
	XAIBaseURL          string
	AnthropicAPIKey     string
	AnthropicBaseURL    string
	GoogleCloudProject  string
	GoogleCloudLocation string
	VertexBaseURL       string
	// VertexAccessToken, when set, is sent instead of application default
	// credentials (a token from `gcloud auth print-access-token`).
	VertexAccessToken string
	OllamaBaseURL     string
	VLLMAPIBase       string
	VLLMAPIKey        string

	DefaultLLM       string
	DefaultEmbedding string
	DefaultAgentType letta.AgentType

	LogLevel  slog.Level
	LogFormat string // "text" or "json"

	// NoMigrate skips applying the embedded migrations at start.
	NoMigrate bool
	// ShutdownTimeout bounds how long in-flight requests may drain.
	ShutdownTimeout time.Duration
	// ToolTimeout bounds one custom tool call; ToolIsolation is the sandbox's
	// isolation ("auto", "bwrap" or "none"); Python is the interpreter.
	ToolTimeout   time.Duration
	ToolIsolation string
	Python        string

	// CORSOrigins are the browser origins allowed to call the API.
	CORSOrigins []string
	// BasePath is the path prefix a reverse proxy forwards unstripped.
	BasePath string
}

// Backend names the store the Config selects: "postgres" or "sqlite".
func (c Config) Backend() string {
	if c.DatabaseURL != "" {
		return "postgres"
	}
	return "sqlite"
}

// DatabaseLocation says where the data is, for the start-up log: the
// SQLite file, or the Postgres URL without its secrets.
func (c Config) DatabaseLocation() string {
	if c.DatabaseURL != "" {
		return redactURL(c.DatabaseURL)
	}
	return c.SQLitePath()
}

// SQLitePath is the SQLite database file under DataDir.
func (c Config) SQLitePath() string {
	return filepath.Join(c.DataDir, sqliteFileName)
}

// Addr is the listen address, host:port.
func (c Config) Addr() string {
	return net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
}

// LoadConfig fills a Config from command-line flags (args, without the
// program name) and the environment (getenv), applying defaults. It does
// not validate across fields; call Validate for that.
func LoadConfig(args []string, getenv func(string) string, usage io.Writer) (Config, error) {
	env := func(names ...string) (value, name string) {
		for _, n := range names {
			if v := strings.TrimSpace(getenv(n)); v != "" {
				return v, n
			}
		}
		return "", ""
	}

	var c Config
	var err error
	var errs []error

	c.DatabaseURL, c.DatabaseURLVar = env("LETTA_PG_URI", "DATABASE_URL")

	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	dataDir, _ := env("LETTA_DATA_DIR")
	c.DataDir = cmp.Or(dataDir, filepath.Join(home, defaultDataDirName))

	host, _ := env("LETTA_HOST")
	c.Host = cmp.Or(host, defaultHost)
	c.Port = defaultPort
	if p, name := env("PORT", "LETTA_PORT"); p != "" {
		c.PortVar = name
		if c.Port, err = strconv.Atoi(p); err != nil {
			errs = append(errs, fmt.Errorf("invalid port in %s: %q is not a number", name, p))
		}
	}

	if c.Password, err = secret(getenv, "LETTA_SERVER_PASSWORD"); err != nil {
		errs = append(errs, err)
	}
	if s, name := env("LETTA_SERVER_SECURE"); s != "" {
		if c.Secure, err = strconv.ParseBool(s); err != nil {
			errs = append(errs, fmt.Errorf("invalid %s: %q is not true or false", name, s))
		}
	}

	if c.OpenAIAPIKey, err = secret(getenv, "OPENAI_API_KEY"); err != nil {
		errs = append(errs, err)
	}
	c.OpenAIBaseURL, _ = env("OPENAI_BASE_URL", "OPENAI_API_BASE")
	for _, k := range []struct {
		dst  *string
		name string
	}{
		{&c.XAIAPIKey, "XAI_API_KEY"},
		{&c.AnthropicAPIKey, "ANTHROPIC_API_KEY"},
		{&c.VertexAccessToken, "GOOGLE_VERTEX_ACCESS_TOKEN"},
		{&c.VLLMAPIKey, "VLLM_API_KEY"},
	} {
		if *k.dst, err = secret(getenv, k.name); err != nil {
			errs = append(errs, err)
		}
	}
	c.XAIBaseURL, _ = env("XAI_BASE_URL")
	c.AnthropicBaseURL, _ = env("ANTHROPIC_BASE_URL")
	c.GoogleCloudProject, _ = env("GOOGLE_CLOUD_PROJECT")
	c.GoogleCloudLocation, _ = env("GOOGLE_CLOUD_LOCATION", "GOOGLE_CLOUD_REGION")
	c.VertexBaseURL, _ = env("GOOGLE_VERTEX_BASE_URL")
	c.OllamaBaseURL, _ = env("OLLAMA_BASE_URL")
	c.VLLMAPIBase, _ = env("VLLM_API_BASE")

	c.DefaultLLM, _ = env("LETTA_DEFAULT_LLM_HANDLE")
	c.DefaultEmbedding, _ = env("LETTA_DEFAULT_EMBEDDING_HANDLE")
	agentType, _ := env("LETTA_DEFAULT_AGENT_TYPE")
	c.DefaultAgentType = letta.AgentType(cmp.Or(agentType, string(letta.AgentTypeLettaV1)))

	if lvl, name := env("LETTA_LOG_LEVEL", "LOG_LEVEL"); lvl != "" {
		if err := c.LogLevel.UnmarshalText([]byte(lvl)); err != nil {
			errs = append(errs, fmt.Errorf("invalid %s: %q (want debug, info, warn or error)", name, lvl))
		}
	}
	format, _ := env("LETTA_LOG_FORMAT")
	c.LogFormat = strings.ToLower(cmp.Or(format, "text"))
	c.ShutdownTimeout = defaultShutdownTimeout
	if d, name := env("LETTA_SHUTDOWN_TIMEOUT"); d != "" {
		if c.ShutdownTimeout, err = time.ParseDuration(d); err != nil || c.ShutdownTimeout <= 0 {
			errs = append(errs, fmt.Errorf("invalid %s: %q (want a duration such as 30s)", name, d))
		}
	}
	if c.CORSOrigins, err = corsOrigins(getenv("LETTA_CORS_ORIGINS")); err != nil {
		errs = append(errs, err)
	}
	c.BasePath, _ = env("LETTA_BASE_PATH")
	if d, name := env("LETTA_TOOL_TIMEOUT", "TOOL_SANDBOX_TIMEOUT"); d != "" {
		if c.ToolTimeout, err = parseSeconds(d); err != nil || c.ToolTimeout <= 0 {
			errs = append(errs, fmt.Errorf("invalid %s: %q (want seconds or a duration such as 60s)", name, d))
		}
	}
	c.ToolIsolation, _ = env("LETTA_TOOL_ISOLATION")
	c.ToolIsolation = strings.ToLower(cmp.Or(c.ToolIsolation, "auto"))
	if !slices.Contains([]string{"auto", "bwrap", "none"}, c.ToolIsolation) {
		errs = append(errs, fmt.Errorf("invalid LETTA_TOOL_ISOLATION: %q (want auto, bwrap or none)", c.ToolIsolation))
	}
	c.Python, _ = env("LETTA_PYTHON")

	fs := flag.NewFlagSet("letta-server", flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.Usage = func() {
		fmt.Fprintf(usage, "Usage: letta-server [flags]\n       letta-server migrate [flags]\n       letta-server import [flags] FILE   (letta-server import -h)\n       letta-server export [flags] AGENT_ID\n       letta-server version\n\nConfiguration comes from the environment (see README.md). Flags:\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&c.Host, "host", c.Host, "listen host (LETTA_HOST)")
	fs.IntVar(&c.Port, "port", c.Port, "listen port (PORT, LETTA_PORT)")
	fs.BoolVar(&c.Secure, "secure", c.Secure, "require a password; generate and print one when LETTA_SERVER_PASSWORD is unset (LETTA_SERVER_SECURE)")
	fs.BoolVar(&c.NoMigrate, "no-migrate", false, "do not apply database migrations at start")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected argument %q (try -h)", fs.Arg(0)))
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "port" {
			c.PortVar = "--port"
		}
	})
	return c, errors.Join(errs...)
}

// secret reads name from the environment, or from the file named by
// name_FILE (trailing newline removed). Setting both is an error.
func secret(getenv func(string) string, name string) (string, error) {
	value := strings.TrimSpace(getenv(name))
	file := strings.TrimSpace(getenv(name + "_FILE"))
	switch {
	case file == "":
		return value, nil
	case value != "":
		return "", fmt.Errorf("set %s or %s_FILE, not both", name, name)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("read %s_FILE: %w", name, err)
	}
	v := strings.TrimRight(string(b), "\r\n")
	if v == "" {
		return "", fmt.Errorf("%s_FILE %s is empty", name, file)
	}
	return v, nil
}

// Validate checks the rules that span fields or need parsing: the port
// range, the database URL, the agent type, the log format.
func (c Config) Validate() error {
	var errs []error
	if c.Port < 0 || c.Port > 65535 {
		errs = append(errs, fmt.Errorf("invalid port in %s: %d is out of range 0-65535", cmp.Or(c.PortVar, "PORT"), c.Port))
	}
	if c.Host == "" {
		errs = append(errs, errors.New("LETTA_HOST is empty"))
	}
	if c.DatabaseURL != "" {
		if err := validateDatabaseURL(c.DatabaseURL); err != nil {
			errs = append(errs, fmt.Errorf("invalid database URL in %s: %w", cmp.Or(c.DatabaseURLVar, "LETTA_PG_URI"), err))
		}
	} else if c.DataDir == "" {
		errs = append(errs, errors.New("no data directory: set LETTA_DATA_DIR or HOME"))
	}
	if !c.DefaultAgentType.Known() {
		errs = append(errs, fmt.Errorf("invalid LETTA_DEFAULT_AGENT_TYPE %q (want one of memgpt_agent, memgpt_v2_agent, letta_v1_agent, react_agent, workflow_agent, sleeptime_agent)", c.DefaultAgentType))
	}
	for _, b := range []struct{ name, value, example string }{
		{"OPENAI_BASE_URL", c.OpenAIBaseURL, "https://api.openai.com/v1"},
		{"XAI_BASE_URL", c.XAIBaseURL, "https://api.x.ai/v1"},
		{"ANTHROPIC_BASE_URL", c.AnthropicBaseURL, "https://api.anthropic.com"},
		{"GOOGLE_VERTEX_BASE_URL", c.VertexBaseURL, "https://us-central1-aiplatform.googleapis.com/"},
		{"OLLAMA_BASE_URL", c.OllamaBaseURL, "http://localhost:11434"},
		{"VLLM_API_BASE", c.VLLMAPIBase, "http://localhost:8000/v1"},
	} {
		if b.value == "" {
			continue
		}
		if u, err := url.Parse(b.value); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("invalid %s %q: want an http(s) URL such as %s", b.name, b.value, b.example))
		}
	}
	if (c.GoogleCloudProject == "") != (c.GoogleCloudLocation == "") {
		errs = append(errs, errors.New("google vertex needs both GOOGLE_CLOUD_PROJECT and GOOGLE_CLOUD_LOCATION"))
	}
	for _, h := range []struct{ name, value string }{
		{"LETTA_DEFAULT_LLM_HANDLE", c.DefaultLLM},
		{"LETTA_DEFAULT_EMBEDDING_HANDLE", c.DefaultEmbedding},
	} {
		if h.value != "" && !strings.Contains(h.value, "/") {
			errs = append(errs, fmt.Errorf("invalid %s %q: want a handle like openai/%s", h.name, h.value, h.value))
		}
	}
	if err := validateBasePath(c.BasePath); err != nil {
		errs = append(errs, err)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("invalid LETTA_LOG_FORMAT %q (want text or json)", c.LogFormat))
	}
	return errors.Join(errs...)
}

// validateDatabaseURL accepts postgres:// and postgresql:// URLs that pgx
// can parse. The error never repeats the URL, which may hold a password.
func validateDatabaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("not a URL")
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return fmt.Errorf("scheme %q is not postgres:// or postgresql://", u.Scheme)
	}
	if u.Host == "" {
		return errors.New("no host")
	}
	if _, err := pgconn.ParseConfig(raw); err != nil {
		return errors.New("pgx cannot parse it (check the host, port and query parameters)")
	}
	return nil
}

// redactURL hides the password of a database URL: the one in the user
// part, and libpq-style query parameters such as password=.
func redactURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return redacted
	}
	q := u.Query()
	for key := range q {
		if strings.Contains(strings.ToLower(key), "password") {
			q.Set(key, "xxxxx")
		}
	}
	u.RawQuery = q.Encode()
	return u.Redacted()
}

func redact(s string) string {
	if s == "" {
		return ""
	}
	return redacted
}

// String prints the Config with its secrets redacted.
func (c Config) String() string {
	var b strings.Builder
	for _, a := range c.attrs() {
		fmt.Fprintf(&b, "%s=%v ", a.Key, a.Value)
	}
	return strings.TrimSuffix(b.String(), " ")
}

// LogValue logs the Config with its secrets redacted.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(c.attrs()...)
}

func (c Config) attrs() []slog.Attr {
	return []slog.Attr{
		slog.String("backend", c.Backend()),
		slog.String("database_url", redactURL(c.DatabaseURL)),
		slog.String("data_dir", c.DataDir),
		slog.String("addr", c.Addr()),
		slog.String("password", redact(c.Password)),
		slog.Bool("secure", c.Secure),
		slog.String("openai_api_key", redact(c.OpenAIAPIKey)),
		slog.String("openai_base_url", redactURL(c.OpenAIBaseURL)),
		slog.String("xai_api_key", redact(c.XAIAPIKey)),
		slog.String("anthropic_api_key", redact(c.AnthropicAPIKey)),
		slog.String("google_cloud_project", c.GoogleCloudProject),
		slog.String("google_cloud_location", c.GoogleCloudLocation),
		slog.String("google_vertex_access_token", redact(c.VertexAccessToken)),
		slog.String("ollama_base_url", redactURL(c.OllamaBaseURL)),
		slog.String("vllm_api_base", redactURL(c.VLLMAPIBase)),
		slog.String("vllm_api_key", redact(c.VLLMAPIKey)),
		slog.String("default_llm", c.DefaultLLM),
		slog.String("default_embedding", c.DefaultEmbedding),
		slog.String("default_agent_type", string(c.DefaultAgentType)),
		slog.String("log_level", c.LogLevel.String()),
		slog.String("log_format", c.LogFormat),
		slog.Bool("no_migrate", c.NoMigrate),
		slog.Any("cors_origins", c.CORSOrigins),
		slog.String("base_path", c.BasePath),
		slog.Duration("shutdown_timeout", c.ShutdownTimeout),
	}
}

// parseSeconds reads a duration, or a bare number of seconds as Letta's
// TOOL_SANDBOX_TIMEOUT is written.
func parseSeconds(s string) (time.Duration, error) {
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Duration(n * float64(time.Second)), nil
	}
	return time.ParseDuration(s)
}
