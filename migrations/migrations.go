// Package migrations embeds the numbered golang-migrate files of both
// stores, so the binary carries its schema and applies it at start.
package migrations

import (
	"embed"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// Postgres holds migrations/postgres/*.sql.
//
//go:embed postgres/*.sql
var Postgres embed.FS

// SQLite holds migrations/sqlite/*.sql.
//
//go:embed sqlite/*.sql
var SQLite embed.FS

// Latest returns the highest migration number in dir of fsys (0 if none).
func Latest(fsys fs.FS, dir string) uint {
	entries, _ := fs.ReadDir(fsys, dir)
	var latest uint
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		if n, err := strconv.ParseUint(num, 10, 32); ok && err == nil && uint(n) > latest {
			latest = uint(n)
		}
	}
	return latest
}

// NewerSchemaError is returned when the database was migrated by a newer
// letta-server than this one: applying nothing would leave it unusable.
type NewerSchemaError struct {
	Database, Known uint
}

func (e *NewerSchemaError) Error() string {
	return fmt.Sprintf("the database schema is at version %d, newer than this letta-server knows (%d): upgrade letta-server, or point it at another database", e.Database, e.Known)
}

// CheckVersion says whether a server that knows migrations up to known can
// run on a database at version (with golang-migrate's dirty flag) without
// migrating it: only when they match. Used when migrations are off.
func CheckVersion(version uint, dirty bool, known uint) error {
	switch {
	case dirty:
		return fmt.Errorf("the database schema is dirty at version %d (a migration failed midway): repair it, then force the version with golang-migrate", version)
	case version > known:
		return &NewerSchemaError{Database: version, Known: known}
	case version < known:
		return fmt.Errorf("the database schema is at version %d and this letta-server needs %d: run `letta-server migrate` first, or start without --no-migrate", version, known)
	}
	return nil
}
