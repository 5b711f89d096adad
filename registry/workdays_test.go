package registry_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry"
)

func TestAddWorkingDays(t *testing.T) {
	cal := registry.DefaultWorkCalendar()
	tests := []struct {
		name string
		from registry.Date
		n    int
		want registry.Date
	}{
		{"Friday, 3 days: Wednesday", "2026-06-12", 3, "2026-06-17"},
		{"Friday, 5 days: Friday", "2026-06-12", 5, "2026-06-19"},
		{"Monday, 3 days: Thursday", "2026-06-15", 3, "2026-06-18"},
		{"Wednesday, 3 days: Monday", "2026-06-17", 3, "2026-06-22"},
		{"Saturday counts from Monday", "2026-06-13", 3, "2026-06-17"},
		{"Sunday counts from Monday", "2026-06-14", 1, "2026-06-15"},
		{"zero is the day itself", "2026-06-12", 0, "2026-06-12"},
		{"zero on a Sunday is that Sunday", "2026-06-14", 0, "2026-06-14"},
		{"one day after Thursday is Friday", "2026-06-11", 1, "2026-06-12"},
		// Tết 2026: off Saturday 14/2 to Sunday 22/2.
		{"day before Tết 2026, 3 days", "2026-02-13", 3, "2026-02-25"},
		{"day before Tết 2026, 5 days", "2026-02-13", 5, "2026-02-27"},
		{"received during Tết 2026", "2026-02-17", 1, "2026-02-23"},
		{"Thursday before Tết 2026", "2026-02-12", 3, "2026-02-24"},
		// Tết 2025: off 25/1 to 2/2; Saturday 8/2 is a working day.
		{"day before Tết 2025, 3 days", "2025-01-24", 3, "2025-02-05"},
		{"day before Tết 2025, 5 days", "2025-01-24", 5, "2025-02-07"},
		{"make-up Saturday counts", "2025-02-06", 3, "2025-02-10"},
		{"make-up Saturday is day 2", "2025-02-06", 2, "2025-02-08"},
		// 30/4–1/5 2025: Saturday 26/4 worked, Friday 2/5 off.
		{"Friday before 30/4 2025", "2025-04-25", 3, "2025-04-29"},
		{"Friday before 30/4 2025, 5 days", "2025-04-25", 5, "2025-05-06"},
		// Hùng Kings 2026 on a Sunday: Monday 27/4 off, then 30/4 and 1/5.
		{"Hùng Kings 2026 and 30/4", "2026-04-24", 5, "2026-05-06"},
		// Year end into 1/1/2027 (Friday).
		{"year end", "2026-12-30", 3, "2027-01-05"},
		// National Day 2026: 1/9 and 2/9.
		{"National Day 2026", "2026-08-31", 2, "2026-09-04"},
		// A year the calendar does not list: weekends only.
		{"2030 weekends only", "2030-01-31", 1, "2030-02-01"},
		{"long span", "2026-01-05", 250, "2027-01-05"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cal.AddWorkingDays(tt.from, tt.n)
			if err != nil || got != tt.want {
				t.Fatalf("AddWorkingDays(%s, %d) = %q, %v; want %q", tt.from, tt.n, got, err, tt.want)
			}
			if ok, _ := cal.IsWorkingDay(got); tt.n > 0 && !ok {
				t.Fatalf("deadline %s is not a working day", got)
			}
			back, err := cal.WorkingDaysBetween(tt.from, got)
			if err != nil || back != tt.n {
				t.Fatalf("WorkingDaysBetween(%s, %s) = %d, %v; want %d", tt.from, got, back, err, tt.n)
			}
		})
	}
}

func TestWorkingDaysRejects(t *testing.T) {
	cal := registry.DefaultWorkCalendar()
	for _, tt := range []struct {
		from        registry.Date
		n           int
		field, rule string
	}{
		{"2026-06-12", -1, "n", "range"},
		{"2026-06-12", 3651, "n", "range"},
		{"2026-02-30", 3, "from", "date"},
		{"12/06/2026", 3, "from", "date"},
		{"", 3, "from", "required"},
		{"1899-12-29", 3, "from", "date_range"},
	} {
		got, err := cal.AddWorkingDays(tt.from, tt.n)
		if got != "" {
			t.Errorf("AddWorkingDays(%q, %d) = %q, want an error", tt.from, tt.n, got)
		}
		wantRule(t, err, tt.field+"/"+tt.rule)
	}
	if _, err := cal.IsWorkingDay("2026-13-01"); registry.ErrorCode(err) != registry.EINVALID {
		t.Errorf("IsWorkingDay(2026-13-01) err = %v, want EINVALID", err)
	}
	_, err := cal.WorkingDaysBetween("2026-06-12", "tomorrow")
	wantRule(t, err, "b/date")
	_, err = cal.WorkingDaysBetween("", "2026-06-12")
	wantRule(t, err, "a/required")
}

func TestIsWorkingDay(t *testing.T) {
	cal := registry.DefaultWorkCalendar()
	for d, want := range map[registry.Date]bool{
		"2026-06-12": true,  // Friday
		"2026-06-13": false, // Saturday
		"2026-06-14": false, // Sunday
		"2026-01-01": false, // New Year
		"2026-02-16": false, // Tết
		"2026-02-20": false, // Tết
		"2026-02-23": true,  // back to work
		"2025-02-08": true,  // make-up Saturday
		"2025-02-15": false, // an ordinary Saturday
		"2025-05-02": false, // bridge day
		"2025-04-07": false, // Hùng Kings
		"2026-04-27": false, // Hùng Kings given back
		"2027-02-11": false, // Tết 2027 given back
		"2027-02-12": true,
		"2027-09-03": false,
	} {
		got, err := cal.IsWorkingDay(d)
		if err != nil || got != want {
			t.Errorf("IsWorkingDay(%s) = %v, %v; want %v", d, got, err, want)
		}
	}
	var zero registry.WorkCalendar
	if ok, _ := zero.IsWorkingDay("2026-02-17"); ok {
		t.Error("the zero calendar is not the default: Tết 2026 counted as a working day")
	}
	if name, ok := cal.Holiday("2026-09-02"); !ok || !strings.Contains(name, "Quốc khánh") {
		t.Errorf("Holiday(2026-09-02) = %q, %v", name, ok)
	}
	for year, want := range map[int]bool{2024: false, 2025: true, 2026: true, 2027: true, 2028: false} {
		if got := cal.Covers(year); got != want {
			t.Errorf("Covers(%d) = %v, want %v", year, got, want)
		}
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	cal := registry.DefaultWorkCalendar()
	for _, tt := range []struct {
		a, b registry.Date
		want int
	}{
		{"2026-06-12", "2026-06-17", 3},
		{"2026-06-17", "2026-06-12", -3},
		{"2026-06-12", "2026-06-12", 0},
		{"2026-06-12", "2026-06-14", 0}, // Friday to Sunday
		{"2026-06-13", "2026-06-15", 1},
		{"2026-02-13", "2026-02-25", 3},
		{"2025-01-24", "2025-02-10", 7}, // Tết 2025 with the make-up Saturday
		// 2026: 261 weekdays less 11 holidays on weekdays.
		{"2025-12-31", "2026-12-31", 250},
		// 2025 after 1/1: 260 weekdays less 11 holidays plus 2 make-up
		// Saturdays; 2026: 250; 2027: 261 weekdays less 11 holidays.
		{"2025-01-01", "2027-12-31", 251 + 250 + 250},
	} {
		got, err := cal.WorkingDaysBetween(tt.a, tt.b)
		if err != nil || got != tt.want {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d, %v; want %d", tt.a, tt.b, got, err, tt.want)
		}
	}
}

// TestWorkingDaysAgree checks the counting against a day-by-day walk over
// three years, so the arithmetic with whole weeks cannot drift.
func TestWorkingDaysAgree(t *testing.T) {
	cal := registry.DefaultWorkCalendar()
	start := time.Date(2024, 12, 20, 0, 0, 0, 0, time.UTC)
	from := registry.Date(start.Format(time.DateOnly))
	walked := 0
	for d := start.AddDate(0, 0, 1); d.Year() < 2028; d = d.AddDate(0, 0, 1) {
		day := registry.Date(d.Format(time.DateOnly))
		ok, err := cal.IsWorkingDay(day)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			walked++
			if got, err := cal.AddWorkingDays(from, walked); err != nil || got != day {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, %v; want %s", from, walked, got, err, day)
			}
		}
		if got, err := cal.WorkingDaysBetween(from, day); err != nil || got != walked {
			t.Fatalf("WorkingDaysBetween(%s, %s) = %d, %v; want %d", from, day, got, err, walked)
		}
	}
}

func TestLoadWorkCalendar(t *testing.T) {
	text := `
# Đắk Lắk, test
2026-06-15 off Ngày nghỉ thử
2026-06-20 work Làm bù thứ Bảy
`
	json := `{"holidays": [{"date": "2026-06-15", "name": "Ngày nghỉ thử"}],
	  "working_days": [{"date": "2026-06-20", "name": "Làm bù thứ Bảy"}]}`
	for name, src := range map[string]string{"text": text, "json": json} {
		cal, err := registry.LoadWorkCalendar(strings.NewReader(src))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// Friday 12/6: Monday 15/6 off, then Tue 16, Wed 17, Thu 18, Fri 19, Sat 20 (worked).
		if got, err := cal.AddWorkingDays("2026-06-12", 5); err != nil || got != "2026-06-20" {
			t.Errorf("%s: AddWorkingDays = %q, %v; want 2026-06-20", name, got, err)
		}
		// Not the default calendar: Tết 2026 is not listed here.
		if ok, _ := cal.IsWorkingDay("2026-02-17"); !ok {
			t.Errorf("%s: a loaded calendar kept the default holidays", name)
		}
	}
	empty, err := registry.LoadWorkCalendar(strings.NewReader("# nothing\n"))
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := empty.IsWorkingDay("2026-02-17"); !ok {
		t.Error("an empty calendar fell back to the default")
	}

	for _, tt := range []struct{ src, fieldRule string }{
		{"2026-02-30 off x", "line 1 date/date"},
		{"2026-06-15 off ok\n\n2026-06-31 off x", "line 3 date/date"},
		{"\n\n2026-06-15 holiday x", "line 3/kind"},
		{"2026-06-15", "line 1/format"},
		{"2026-06-15 off a\n2026-06-15 off b", "line 2 date/duplicate"},
		{"2026-06-20 off a\n2026-06-20 work b", "line 2 date/duplicate"},
		{"2026-06-15 work Monday", "line 1 date/not_weekend"},
		{"2026-06-15 off \x01", "line 1 name/control_characters"},
		{`{"holidays": [{"date": "2026-06-20"}], "working_days": [{"date": "2026-06-20"}]}`, "working_days[0].date/duplicate"},
		{`{"working_days": [{"date": "2026-06-17"}]}`, "working_days[0].date/not_weekend"},
		{`{"holidays": [{"date": "15/06/2026"}]}`, "holidays[0].date/date"},
		{`{"holidays": [], "extra": 1}`, "calendar/json"},
	} {
		_, err := registry.LoadWorkCalendar(strings.NewReader(tt.src))
		wantRule(t, err, tt.fieldRule)
	}
}
