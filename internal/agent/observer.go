package agent

import "github.com/letta-server/letta-server/internal/letta"

// StepObserver is told about each step the engine records, successful or
// not, as the row is built (for metrics). It must be quick and must not
// keep or change the step.
type StepObserver interface {
	ObserveStep(st *letta.Step)
}

// observeStep passes st to the configured StepObserver, if any.
func (e *Engine) observeStep(st *letta.Step) {
	if e.cfg.StepObserver != nil {
		e.cfg.StepObserver.ObserveStep(st)
	}
}
