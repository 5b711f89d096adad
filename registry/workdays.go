package registry

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Working days: the agency's deadlines for conformity announcements count
// working days, so weekends and public holidays do not count, and a Saturday
// the government declared a make-up working day does.

// CalendarDay is one configured day: a public holiday (or announced day off),
// or a weekend day that is a working day (làm bù).
type CalendarDay struct {
	Date Date   `json:"date"`
	Name string `json:"name,omitempty"`
}

// WorkCalendar says which days are working days: Monday to Friday, except the
// configured holidays, plus the configured make-up working days. The zero
// WorkCalendar is DefaultWorkCalendar(). A WorkCalendar is never changed after
// it is built, so it may be shared between goroutines.
type WorkCalendar struct {
	built    bool
	off      map[int64]string // holidays, by day number
	work     map[int64]string // make-up working days on weekends, by day number
	offWeek  []int64          // holidays falling on Monday–Friday, sorted
	workDays []int64          // make-up working days, sorted
	years    map[int]bool     // years with at least one configured day
}

// maxWorkingDays bounds AddWorkingDays: no agency deadline is ten years long.
const maxWorkingDays = 3650

// VietnamDate returns the calendar day in Vietnam at t.
func VietnamDate(t time.Time) Date { return Date(t.In(Vietnam).Format(time.DateOnly)) }

// NewWorkCalendar builds a calendar from holidays and make-up working days.
// EINVALID when a date is not a real day, appears twice, is both a holiday and
// a working day, or a working day is not a Saturday or Sunday (weekdays work
// anyway).
func NewWorkCalendar(holidays, workingDays []CalendarDay) (WorkCalendar, error) {
	var entries []calendarEntry
	for i, d := range holidays {
		entries = append(entries, calendarEntry{fmt.Sprintf("holidays[%d].", i), d, false})
	}
	for i, d := range workingDays {
		entries = append(entries, calendarEntry{fmt.Sprintf("working_days[%d].", i), d, true})
	}
	return buildCalendar(entries)
}

// calendarEntry is a configured day with where it was configured, for errors.
type calendarEntry struct {
	prefix  string // "holidays[2]." or "line 7 "
	day     CalendarDay
	working bool
}

func buildCalendar(entries []calendarEntry) (WorkCalendar, error) {
	var p Problems
	cal := WorkCalendar{built: true, off: map[int64]string{}, work: map[int64]string{}, years: map[int]bool{}}
	for _, e := range entries {
		field := strings.TrimSpace(e.prefix + "date")
		t, ok := calendarDay(&p, field, e.day.Date)
		if !ok {
			continue
		}
		checkText(&p, strings.TrimSpace(e.prefix+"name"), e.day.Name, 200)
		n := dayNumber(t)
		_, dupOff := cal.off[n]
		_, dupWork := cal.work[n]
		switch {
		case dupOff || dupWork:
			p.Add(field, "duplicate", string(e.day.Date)+" is listed twice", string(e.day.Date)+" bị liệt kê hai lần")
		case !e.working:
			cal.off[n] = e.day.Name
			if !weekend(t) {
				cal.offWeek = append(cal.offWeek, n)
			}
			cal.years[t.Year()] = true
		case !weekend(t):
			p.Add(field, "not_weekend", string(e.day.Date)+" is a weekday, which is a working day anyway",
				string(e.day.Date)+" là ngày thường, vốn đã là ngày làm việc")
		default:
			cal.work[n] = e.day.Name
			cal.workDays = append(cal.workDays, n)
			cal.years[t.Year()] = true
		}
	}
	if err := p.Err(); err != nil {
		return WorkCalendar{}, err
	}
	slices.Sort(cal.offWeek)
	slices.Sort(cal.workDays)
	return cal, nil
}

// calendarJSON is the JSON form of a calendar's configuration.
type calendarJSON struct {
	Holidays    []CalendarDay `json:"holidays"`
	WorkingDays []CalendarDay `json:"working_days"`
}

// LoadWorkCalendar reads a calendar's configuration, either JSON:
//
//	{"holidays": [{"date": "2026-01-01", "name": "Tết Dương lịch"}],
//	 "working_days": [{"date": "2025-02-08", "name": "làm bù"}]}
//
// or text, one day a line: the date, "off" (a holiday) or "work" (a make-up
// working day on a weekend), and a name; blank lines and lines starting with #
// are ignored:
//
//	2026-01-01 off Tết Dương lịch
//	2025-02-08 work Làm bù cho thứ Hai 27/01/2025
//
// EINVALID naming the line (text) or the entry (JSON) that is wrong.
func LoadWorkCalendar(r io.Reader) (WorkCalendar, error) {
	const limit = 1 << 20
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return WorkCalendar{}, fmt.Errorf("read the working-day calendar: %w", err)
	}
	if len(data) > limit {
		return WorkCalendar{}, calendarProblem("calendar", "max_length", "is over 1 MiB", "lớn hơn 1 MiB")
	}
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '{' {
		var c calendarJSON
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return WorkCalendar{}, calendarProblem("calendar", "json", "is not a calendar in JSON: "+err.Error(), "không phải lịch dạng JSON: "+err.Error())
		}
		return NewWorkCalendar(c.Holidays, c.WorkingDays)
	}
	var entries []calendarEntry
	var p Problems
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Fields(text)
		field := fmt.Sprintf("line %d", line)
		if len(fields) < 2 {
			p.Add(field, "format", `must be a date, "off" or "work", and a name`, `phải gồm ngày, "off" hoặc "work", và tên`)
			continue
		}
		day := CalendarDay{Date: Date(fields[0]), Name: strings.Join(fields[2:], " ")}
		switch fields[1] {
		case "off", "work":
			entries = append(entries, calendarEntry{field + " ", day, fields[1] == "work"})
		default:
			p.Add(field, "kind", `the second word must be "off" or "work"`, `từ thứ hai phải là "off" hoặc "work"`)
		}
	}
	if err := sc.Err(); err != nil {
		p.Add("calendar", "format", "cannot be read: "+err.Error(), "không đọc được: "+err.Error())
	}
	if err := p.Err(); err != nil {
		return WorkCalendar{}, err
	}
	return buildCalendar(entries)
}

func calendarProblem(field, rule, en, vi string) error {
	var p Problems
	p.Add(field, rule, en, vi)
	return p.Err()
}

// vietnamHolidays is the built-in calendar: Vietnam's public holidays (Labour
// Code 2019, art. 112) and the days off the government announced for state
// offices, 2025–2027, as known when this was written. Tết and the bridging
// days change every year by government announcement; years not yet announced
// follow the Labour Code (holidays on a weekend give the next working day
// off). It is configuration, not law: the province corrects and extends it
// each year (LoadWorkCalendar), and a year it does not list counts weekends
// only.
//
// Known gaps to check: whether 2 January 2026 was a bridging day (swapped with
// Saturday 10 January); which day next to 2 September 2026 and 2027 was given;
// the 2027 Tết schedule (not announced; computed from the Labour Code: one day
// before and four after the lunar new year of 6 February 2027, the two falling
// on the weekend given back on 10 and 11 February); any holiday added after
// 2025 (e.g. a Vietnam Culture Day on 24 November, if in force).
const vietnamHolidays = `
# 2025
2025-01-01 off Tết Dương lịch
2025-01-27 off Tết Nguyên đán (nghỉ hoán đổi, làm bù thứ Bảy 08/02/2025)
2025-01-28 off Tết Nguyên đán (29 tháng Chạp)
2025-01-29 off Tết Nguyên đán (mùng 1)
2025-01-30 off Tết Nguyên đán (mùng 2)
2025-01-31 off Tết Nguyên đán (mùng 3)
2025-02-08 work Làm bù cho thứ Hai 27/01/2025
2025-04-07 off Giỗ Tổ Hùng Vương (10/3 âm lịch)
2025-04-26 work Làm bù cho thứ Sáu 02/05/2025
2025-04-30 off Ngày Giải phóng miền Nam, thống nhất đất nước
2025-05-01 off Ngày Quốc tế Lao động
2025-05-02 off Nghỉ hoán đổi (làm bù thứ Bảy 26/04/2025)
2025-09-01 off Quốc khánh (ngày liền kề)
2025-09-02 off Quốc khánh
# 2026
2026-01-01 off Tết Dương lịch
2026-02-16 off Tết Nguyên đán (29 tháng Chạp)
2026-02-17 off Tết Nguyên đán (mùng 1)
2026-02-18 off Tết Nguyên đán (mùng 2)
2026-02-19 off Tết Nguyên đán (mùng 3)
2026-02-20 off Tết Nguyên đán (mùng 4)
2026-04-26 off Giỗ Tổ Hùng Vương (10/3 âm lịch, Chủ nhật)
2026-04-27 off Nghỉ bù Giỗ Tổ Hùng Vương
2026-04-30 off Ngày Giải phóng miền Nam, thống nhất đất nước
2026-05-01 off Ngày Quốc tế Lao động
2026-09-01 off Quốc khánh (ngày liền kề)
2026-09-02 off Quốc khánh
# 2027
2027-01-01 off Tết Dương lịch
2027-02-05 off Tết Nguyên đán (cuối năm âm lịch)
2027-02-06 off Tết Nguyên đán (mùng 1, thứ Bảy)
2027-02-07 off Tết Nguyên đán (mùng 2, Chủ nhật)
2027-02-08 off Tết Nguyên đán (mùng 3)
2027-02-09 off Tết Nguyên đán (mùng 4)
2027-02-10 off Nghỉ bù Tết Nguyên đán
2027-02-11 off Nghỉ bù Tết Nguyên đán
2027-04-16 off Giỗ Tổ Hùng Vương (10/3 âm lịch)
2027-04-30 off Ngày Giải phóng miền Nam, thống nhất đất nước
2027-05-01 off Ngày Quốc tế Lao động (thứ Bảy)
2027-05-03 off Nghỉ bù Ngày Quốc tế Lao động
2027-09-02 off Quốc khánh
2027-09-03 off Quốc khánh (ngày liền kề)
`

var defaultCalendar = func() WorkCalendar {
	cal, err := LoadWorkCalendar(strings.NewReader(vietnamHolidays))
	if err != nil {
		panic("registry: built-in working-day calendar: " + err.Error())
	}
	return cal
}()

// DefaultWorkCalendar is the built-in Vietnamese calendar for 2025–2027.
func DefaultWorkCalendar() WorkCalendar { return defaultCalendar }

func (c WorkCalendar) orDefault() WorkCalendar {
	if !c.built {
		return defaultCalendar
	}
	return c
}

// Covers reports whether the calendar lists any day of year; a year it does
// not list counts only weekends as days off, which is likely wrong.
func (c WorkCalendar) Covers(year int) bool { return c.orDefault().years[year] }

// Holiday returns the name of the holiday on d, if d is one.
func (c WorkCalendar) Holiday(d Date) (string, bool) {
	t, err := civilDay("date", d)
	if err != nil {
		return "", false
	}
	name, ok := c.orDefault().off[dayNumber(t)]
	return name, ok
}

// IsWorkingDay reports whether d is a working day. EINVALID (field "date") if
// d is not a "YYYY-MM-DD" day between 1900 and 2200.
func (c WorkCalendar) IsWorkingDay(d Date) (bool, error) {
	t, err := civilDay("date", d)
	if err != nil {
		return false, err
	}
	return c.orDefault().working(t), nil
}

func (c WorkCalendar) working(t time.Time) bool {
	n := dayNumber(t)
	if weekend(t) {
		_, ok := c.work[n]
		return ok
	}
	_, off := c.off[n]
	return !off
}

// AddWorkingDays returns the day a deadline of n working days from the
// receipt day from falls on: counting starts on the next working day after
// from, so a dossier received on a Friday has its 3rd working day on the
// Wednesday, and one received on a Saturday too. n = 0 is from itself.
// EINVALID if from is not a day ("from") or n is negative or over 3650 ("n").
func (c WorkCalendar) AddWorkingDays(from Date, n int) (Date, error) {
	t, err := civilDay("from", from)
	if err != nil {
		return "", err
	}
	if n < 0 || n > maxWorkingDays {
		return "", calendarProblem("n", "range", fmt.Sprintf("must be between 0 and %d working days", maxWorkingDays),
			fmt.Sprintf("phải từ 0 đến %d ngày làm việc", maxWorkingDays))
	}
	c = c.orDefault()
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if c.working(t) {
			n--
		}
	}
	return Date(t.Format(time.DateOnly)), nil
}

// WorkingDaysBetween counts the working days after a up to and including b:
// AddWorkingDays(a, n) = b gives n (when b is itself a working day). When b
// is before a, the count is negative: -WorkingDaysBetween(b, a). EINVALID
// (field "a" or "b") if either is not a day.
func (c WorkCalendar) WorkingDaysBetween(a, b Date) (int, error) {
	ta, err := civilDay("a", a)
	if err != nil {
		return 0, err
	}
	tb, err := civilDay("b", b)
	if err != nil {
		return 0, err
	}
	if tb.Before(ta) {
		n, err := c.WorkingDaysBetween(b, a)
		return -n, err
	}
	c = c.orDefault()
	lo, hi := dayNumber(ta), dayNumber(tb) // count days in (lo, hi]
	days := int(hi - lo)
	n := days / 7 * 5
	for t := ta.AddDate(0, 0, days/7*7+1); !t.After(tb); t = t.AddDate(0, 0, 1) {
		if !weekend(t) {
			n++
		}
	}
	n -= countIn(c.offWeek, lo, hi)
	n += countIn(c.workDays, lo, hi)
	return n, nil
}

// countIn counts the sorted days in (lo, hi].
func countIn(sorted []int64, lo, hi int64) int {
	i, _ := slices.BinarySearch(sorted, lo+1)
	j, _ := slices.BinarySearch(sorted, hi+1)
	return j - i
}

// civilDay parses d as a UTC midnight, so adding days never meets a time
// zone change; EINVALID naming field when d is not a day between 1900 and 2200.
func civilDay(field string, d Date) (time.Time, error) {
	var p Problems
	t, ok := calendarDay(&p, field, d)
	if !ok {
		return time.Time{}, p.Err()
	}
	return t, nil
}

func calendarDay(p *Problems, field string, d Date) (time.Time, bool) {
	if _, ok := checkDate(p, field, d, true); !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.DateOnly, string(d))
	if err != nil { // checkDate accepted it, so this does not happen
		p.Add(field, "date", "must be a date written YYYY-MM-DD", "phải là ngày dạng YYYY-MM-DD")
		return time.Time{}, false
	}
	return t, true
}

func dayNumber(t time.Time) int64 { return t.Unix() / 86400 }

func weekend(t time.Time) bool {
	wd := t.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}
