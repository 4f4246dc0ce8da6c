// Package providertest runs the whole agent loop (agent.Engine.Send on a
// real SQLite store) through each provider's client against a local fake
// of that provider's wire protocol, replaying recorded bodies. It holds
// tests only.
package providertest
