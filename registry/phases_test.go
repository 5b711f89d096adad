package registry

import "testing"

func TestPlanPhases(t *testing.T) {
	in := IndicatorInput{Support: []*SupportRecord{{Year: 2024}, {Year: 2025}, {Year: 2026}}}
	for _, tc := range []struct {
		period            Period
		from, to          int
		orientation       bool
		reached, cumul, m int
	}{
		{Period{From: 2025, To: 2025}, 2021, 2025, false, 1, 2, 40},
		{Period{From: 2026, To: 2026}, 2026, 2030, true, 1, 1, 40},
		{Period{From: 2021, To: 2030}, 2026, 2030, true, 3, 1, 40},
	} {
		ind := ComputeIndicators(in, tc.period)
		if ind.Phase.From != tc.from || ind.Phase.To != tc.to || ind.Phase.Orientation != tc.orientation {
			t.Errorf("%v: phase %+v", tc.period, ind.Phase)
		}
		var support PlanTarget
		for _, x := range ind.Targets {
			if x.Key == "support" {
				support = x
			}
		}
		if support.Reached != tc.reached || support.Cumulative != tc.cumul || support.Min != tc.m {
			t.Errorf("%v: support %+v, want reached %d, cumulative %d (from the phase's first year), min %d", tc.period, support, tc.reached, tc.cumul, tc.m)
		}
	}
	// Configured targets for 2026–2030.
	phases := DefaultPlanPhases()
	got, err := ParsePlanTargets("T", " experts=30-60, qcdp=2 ", phases[1].Targets)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]int{"experts": {30, 60}, "qcdp": {2, 0}, "courses": {3, 5}, "support": {40, 80}}
	for _, x := range got {
		if w := want[x.Key]; x.Min != w[0] || x.Max != w[1] {
			t.Errorf("%s: %d–%d, want %v", x.Key, x.Min, x.Max, w)
		}
	}
	if phases[1].Targets[1].Min != 20 {
		t.Errorf("parsing changed the defaults: %+v", phases[1].Targets)
	}
	phases[1].Targets = got
	ind := ComputeIndicators(IndicatorInput{Phases: phases, Experts: nil}, Period{From: 2027, To: 2027})
	if ind.Targets[1].Key != "experts" || ind.Targets[1].Min != 30 || ind.Targets[1].Met {
		t.Errorf("configured experts target %+v", ind.Targets[1])
	}
	for _, bad := range []string{"experts", "experts=x", "experts=50-20", "visitors=3", "support=-1"} {
		if _, err := ParsePlanTargets("T", bad, phases[1].Targets); ErrorCode(err) != EINVALID {
			t.Errorf("%q: %v, want EINVALID", bad, err)
		}
	}
}
