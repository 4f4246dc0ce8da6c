package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/letta-server/letta-server/internal/store"
)

// Postgres error codes this package acts on.
const (
	codeUniqueViolation       = "23505"
	codeForeignKeyViolation   = "23503"
	codeInsufficientPrivilege = "42501"
	codeTooManyConnections    = "53300"
	codeAdminShutdown         = "57P01"
	codeCrashShutdown         = "57P02"
	codeCannotConnectNow      = "57P03"
)

// interpretError turns a driver error into the store's sentinels, by error
// type and SQLSTATE code: no rows → ErrNotFound; unique violation →
// ErrConflict; foreign-key violation → ErrNotFound (a referenced row is
// missing); a lost or refused connection → ErrUnavailable. The driver error
// stays in the chain. Other errors, context errors included, pass unchanged.
func interpretError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, pgx.ErrNoRows):
		return store.ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == codeUniqueViolation:
			return fmt.Errorf("%w: %w", store.ErrConflict, err)
		case pgErr.Code == codeForeignKeyViolation:
			return fmt.Errorf("%w: %w", store.ErrNotFound, err)
		case strings.HasPrefix(pgErr.Code, "08"), // connection exception class
			pgErr.Code == codeTooManyConnections,
			pgErr.Code == codeAdminShutdown,
			pgErr.Code == codeCrashShutdown,
			pgErr.Code == codeCannotConnectNow:
			return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
		}
		return err
	}
	var connErr *pgconn.ConnectError
	var netErr net.Error
	// A pooled connection the database or network dropped surfaces as an
	// unexpected EOF mid-query, or as ErrConnClosed at its next use; neither
	// is a net.Error.
	if errors.As(err, &connErr) || errors.As(err, &netErr) || pgconn.SafeToRetry(err) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, pgconn.ErrConnClosed) {
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
}

// errMissingExtension is Open's error when pgvector is not there.
var errMissingExtension = errors.New("the pgvector extension is not installed on this server: " +
	"install pgvector (e.g. the pgvector/pgvector Docker image) or run CREATE EXTENSION vector as a superuser")

// startupError is a one-line start-up message for the operator that still
// answers errors.Is for the causes it names.
type startupError struct {
	msg    string
	causes []error
}

func (e *startupError) Error() string   { return e.msg }
func (e *startupError) Unwrap() []error { return e.causes }

// invalidURLError reports a database URL pgx could not parse, without the
// URL itself (it may hold a password).
func invalidURLError(rawURL string, err error) error {
	reason := err.Error()
	var parseErr *pgconn.ParseConfigError
	if errors.As(err, &parseErr) {
		// Error() is "cannot parse `<redacted url>`: <msg> (<cause>)"; keep
		// <msg> and, for a net/url error, only its reason (its text quotes
		// the whole URL).
		if i := strings.LastIndex(reason, "`: "); i >= 0 {
			reason = reason[i+len("`: "):]
		}
		if cause := parseErr.Unwrap(); cause != nil {
			reason = strings.TrimSuffix(reason, " ("+cause.Error()+")")
			var urlErr *url.Error
			if errors.As(cause, &urlErr) {
				reason += ": " + urlErr.Err.Error()
			} else {
				reason += ": " + cause.Error()
			}
		}
	}
	return &startupError{
		msg:    "invalid database URL: " + scrubPassword(reason, rawURL),
		causes: []error{err},
	}
}

// scrubPassword masks, in msg, the password of rawURL as well as it can be
// made out of a URL that may not parse.
func scrubPassword(msg, rawURL string) string {
	rest := rawURL
	if _, after, ok := strings.Cut(rest, "://"); ok {
		rest = after
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return msg
	}
	_, password, ok := strings.Cut(rest[:at], ":")
	if !ok || len(password) < 3 {
		return msg
	}
	msg = strings.ReplaceAll(msg, password, "xxxxx")
	if unescaped, err := url.PathUnescape(password); err == nil && len(unescaped) >= 3 {
		msg = strings.ReplaceAll(msg, unescaped, "xxxxx")
	}
	return msg
}

// connectError reports a failed first connection: an unreachable server, or
// the server's own refusal (bad password, unknown database). pgx's text
// names the user and database but never the password; the network cause is
// reduced to its reason ("connection refused").
func connectError(ctx context.Context, cfg *pgx.ConnConfig, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("connect to Postgres: %w", err)
	}
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return &startupError{
			msg:    fmt.Sprintf("Postgres at %s refused the connection: %s (SQLSTATE %s)", addr, pgErr.Message, pgErr.Code),
			causes: []error{err},
		}
	}
	reason := err.Error()
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Err != nil {
		reason = opErr.Err.Error()
	}
	hint := ""
	if errors.Is(err, syscall.ECONNREFUSED) {
		hint = " — is it running?"
	}
	// One line for the operator: pgx joins the errors of each address tried.
	reason = strings.Join(strings.Fields(reason), " ")
	return &startupError{
		msg:    fmt.Sprintf("cannot reach Postgres at %s: %s%s", addr, reason, hint),
		causes: []error{store.ErrUnavailable, err},
	}
}
