// Package faulttest holds the fault tests: the real letta-server binary
// killed with SIGKILL mid-turn and restarted on its SQLite file, Postgres
// cut off under load through a TCP proxy, and a model that times out,
// fails or streams garbage. It has no code of its own.
package faulttest
