package agent

import (
	"math/rand/v2"
)

var (
	nameAdjectives = []string{"amber", "brave", "calm", "clever", "crimson", "eager", "gentle", "golden", "jolly", "keen", "lucid", "mellow", "nimble", "quiet", "rapid", "silver", "steady", "sunny", "swift", "witty"}
	nameNouns      = []string{"badger", "beacon", "cedar", "comet", "falcon", "harbor", "heron", "lantern", "maple", "meadow", "otter", "pebble", "quartz", "raven", "river", "sparrow", "summit", "tiger", "willow", "zephyr"}
)

// randomName returns a default agent name such as "swift-otter".
func randomName() string {
	return nameAdjectives[rand.IntN(len(nameAdjectives))] + "-" + nameNouns[rand.IntN(len(nameNouns))]
}
