// Package migrations embeds the numbered golang-migrate files of both
// stores, so the binary carries its schema and applies it at start.
package migrations

import "embed"

// Postgres holds migrations/postgres/*.sql.
//
//go:embed postgres/*.sql
var Postgres embed.FS

// SQLite holds migrations/sqlite/*.sql.
//
//go:embed sqlite/*.sql
var SQLite embed.FS
