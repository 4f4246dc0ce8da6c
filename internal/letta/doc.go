// Package letta is the vocabulary of the server: the resources of the Letta
// REST API (agents, blocks, messages, tools, steps...) with Letta's JSON wire
// names as struct tags. It imports nothing else from this module, so every
// layer can share one definition of each type.
package letta
