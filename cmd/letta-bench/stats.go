package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// durations is a sample of latencies.
type durations []time.Duration

// pct returns the p-th percentile (0 < p <= 100), nearest rank.
func (d durations) pct(p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// ms formats a duration in milliseconds with two decimals.
func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// table collects result rows and prints them aligned, as Markdown.
type table struct{ rows [][2]string }

func (t *table) add(name, format string, args ...any) {
	t.rows = append(t.rows, [2]string{name, fmt.Sprintf(format, args...)})
}

func (t *table) print(w io.Writer) {
	width := len("measure")
	for _, r := range t.rows {
		width = max(width, len(r[0]))
	}
	fmt.Fprintf(w, "| %-*s | %s\n", width, "measure", "value |")
	fmt.Fprintf(w, "| %s | %s\n", strings.Repeat("-", width), "--- |")
	for _, r := range t.rows {
		fmt.Fprintf(w, "| %-*s | %s |\n", width, r[0], r[1])
	}
}
