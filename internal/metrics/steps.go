package metrics

import (
	"time"

	"github.com/letta-server/letta-server/internal/letta"
)

// ObserveStep records one agent step the engine built (it implements
// agent.StepObserver).
func (m *Metrics) ObserveStep(st *letta.Step) {
	provider, model := letta.Deref(st.ProviderName), letta.Deref(st.Model)
	m.steps.WithLabelValues(provider, model, st.Status).Inc()
	if st.Status != letta.StepSuccess {
		m.errors.WithLabelValues("step").Inc()
		return
	}
	if st.StepNs != nil {
		m.stepDuration.WithLabelValues(provider, model).Observe(time.Duration(*st.StepNs).Seconds())
	}
}
