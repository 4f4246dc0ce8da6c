//go:build !unix

package sqlite

import "os"

// lockForServing does nothing where flock is missing (Windows): one server
// per SQLite file is then the operator's rule alone (README).
func lockForServing(string) (*os.File, error) { return nil, nil }
