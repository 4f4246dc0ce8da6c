package letta

import (
	"regexp"
	"strings"

	"github.com/google/uuid"
)

// ID prefixes, as Letta writes them.
const (
	PrefixAgent    = "agent"
	PrefixBlock    = "block"
	PrefixMessage  = "message"
	PrefixTool     = "tool"
	PrefixStep     = "step"
	PrefixRun      = "run"
	PrefixPassage  = "passage"
	PrefixIdentity = "identity"
	PrefixUser     = "user"
	PrefixOrg      = "org"
)

// The default actor, used when a request names no user (Letta's fixed ids).
const (
	DefaultUserID = "user-00000000-0000-4000-8000-000000000000"
	DefaultOrgID  = "org-00000000-0000-4000-8000-000000000000"
)

// NewID returns "<prefix>-<uuid>" with a UUIDv7, so that ids sort in creation
// order and cursors can compare them.
func NewID(prefix string) string {
	return prefix + "-" + uuid.Must(uuid.NewV7()).String()
}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// ValidID reports whether id is "<prefix>-<any uuid>". Any UUID version is
// accepted on input, since agent files and older servers use UUIDv4.
func ValidID(prefix, id string) bool {
	rest, ok := strings.CutPrefix(id, prefix+"-")
	return ok && uuidPattern.MatchString(rest)
}
