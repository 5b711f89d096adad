package lookup

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/tracereg/tracereg/registry"
)

// verdictVM is the page's answer at a glance, shown first: is the product
// registered, are its certificates valid now, may it carry the CR mark, is
// the lot recalled, and how often was this code scanned. A consumer reads
// it in two seconds; the rest of the page is the evidence.
type verdictVM struct {
	Level     string        `json:"level"` // the worst line: ok, soon, warn or bad
	Title     string        `json:"title"`
	CheckedAt string        `json:"checked_at_text"`
	Lines     []verdictLine `json:"lines"`
}

// verdictLine is one fact of the verdict. Kind is stable for programs:
// registered, signature, certificates, cr_mark, recall, scans.
type verdictLine struct {
	Kind  string `json:"kind"`
	Level string `json:"level"` // ok, soon, warn, bad, or info (no judgement)
	Text  string `json:"text"`
}

// levelRank orders levels from harmless to alarming.
var levelRank = map[string]int{"info": 0, "ok": 1, "soon": 2, "warn": 3, "bad": 4}

// verdict derives the block from the filled page, so it can never say
// something the evidence below does not.
func verdict(p *page, now time.Time) *verdictVM {
	T := p.T
	// The day, not the minute: rendered pages are memoized per day (memo.go).
	today := registry.Date(now.In(registry.Vietnam).Format(time.DateOnly))
	v := &verdictVM{Level: "ok", CheckedAt: fmt.Sprintf(T["v_checked"], day(p.Lang, today))}
	add := func(kind, level, text string) {
		v.Lines = append(v.Lines, verdictLine{Kind: kind, Level: level, Text: text})
		if levelRank[level] > levelRank[v.Level] {
			v.Level = level
		}
	}

	switch {
	case p.Serial != nil && p.Serial.Unissued:
		add("registered", "bad", fmt.Sprintf(T["v_serial_unissued"], p.Serial.Serial))
	case p.UnknownLot != "":
		add("registered", "warn", fmt.Sprintf(T["v_lot_unknown"], p.UnknownLot))
	default:
		add("registered", "ok", fmt.Sprintf(T["v_registered"], p.Enterprise.Name))
	}

	switch p.CodeSignature {
	case "valid":
		add("signature", "ok", T["v_sig_valid"])
	case "invalid":
		add("signature", "bad", T["v_sig_invalid"])
	}

	add(certificateLine(p.Certificates, T))

	for _, a := range p.Announcements {
		if a.CRMark {
			add("cr_mark", "ok", T["v_cr_mark"])
			break
		}
	}

	if p.Lot != nil {
		switch {
		case p.Recall != nil:
			add("recall", "bad", p.Recall.Text)
		default:
			add("recall", "ok", T["v_not_recalled"])
		}
	}

	if s := p.Serial; s != nil && s.Known && !s.Unissued {
		key := "v_scans"
		if s.Scans == 1 {
			key = "v_scans_one"
		}
		text := fmt.Sprintf(T[key], s.Scans)
		if s.FirstScan != "" {
			text += " · " + T["first_scan"] + " " + s.FirstScan
		}
		level := "info"
		if s.Suspicious {
			level = "warn"
		}
		add("scans", level, text)
	}

	// The worst fact first: a recall or a counterfeit warning is what a
	// consumer must not miss.
	sort.SliceStable(v.Lines, func(i, j int) bool { return levelRank[v.Lines[i].Level] > levelRank[v.Lines[j].Level] })
	v.Title = T["v_title_"+v.Level]
	return v
}

// certificateLine sums the certificates up: how many are valid (and of
// those, expiring), suspended, or ended (expired or withdrawn).
func certificateLine(certs []certVM, T map[string]string) (kind, level, text string) {
	var valid, expiring, suspended, ended int
	for _, c := range certs {
		switch c.Status {
		case registry.CertActive:
			valid++
			if c.Class == "soon" {
				expiring++
			}
		case registry.CertSuspended:
			suspended++
		default:
			ended++
		}
	}
	if len(certs) == 0 {
		return "certificates", "info", T["v_no_certs"]
	}
	var parts []string
	if valid > 0 {
		s := fmt.Sprintf(T["v_certs_valid"], valid)
		if expiring > 0 {
			s += fmt.Sprintf(T["v_certs_expiring"], expiring)
		}
		parts = append(parts, s)
	}
	if suspended > 0 {
		parts = append(parts, fmt.Sprintf(T["v_certs_suspended"], suspended))
	}
	if ended > 0 {
		parts = append(parts, fmt.Sprintf(T["v_certs_ended"], ended))
	}
	switch {
	case suspended > 0:
		level = "warn"
	case valid == 0:
		level = "bad"
	case expiring > 0:
		level = "soon"
	default:
		level = "ok"
	}
	return "certificates", level, T["v_certs"] + ": " + strings.Join(parts, " · ")
}
