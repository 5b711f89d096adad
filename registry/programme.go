package registry

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// The province's programme (plan 6648/KH-UBND implementing Decision
// 1322/QĐ-TTg): support given to enterprises, productivity and quality
// experts, training courses. Local technical regulations (QCĐP) are not
// kept here: they are counted from the standards catalogue.

// SupportKinds are the kinds of support the plan lists (section I.2.a, II.3).
var SupportKinds = []string{
	"quality_management_system",  // hệ thống quản lý chất lượng
	"improvement_tools",          // công cụ cải tiến năng suất chất lượng
	"gap_organic",                // G.A.P., sản xuất nông nghiệp hữu cơ
	"certification_announcement", // đánh giá chứng nhận, công bố hợp chuẩn, hợp quy
	"traceability",               // truy xuất nguồn gốc
	"smart_production",           // sản xuất thông minh, dịch vụ thông minh
	"digital_transformation",     // chuyển đổi số
	"green_productivity",         // năng suất xanh
	"national_quality_award",     // Giải thưởng chất lượng quốc gia
}

// FundingSources are where the plan's money comes from (section III.1).
var FundingSources = []string{"provincial_budget", "central_budget", "domestic_grant", "foreign_grant", "enterprise", "other"}

// MaxSupportAmount bounds one support record's amount (VND): a typo guard.
const MaxSupportAmount int64 = 1_000_000_000_000

// SupportRecord is one enterprise-time of support (một lượt doanh nghiệp được hỗ trợ).
type SupportRecord struct {
	ID            string `json:"id" bson:"_id"`
	EnterpriseID  string `json:"enterprise_id" bson:"enterprise_id"`
	Kind          string `json:"kind" bson:"kind"`
	Year          int    `json:"year" bson:"year"`
	FundingSource string `json:"funding_source" bson:"funding_source"`
	AmountVND     int64  `json:"amount_vnd" bson:"amount_vnd"`
	// Outcomes in the registry, where they exist.
	CertificateID  string    `json:"certificate_id,omitempty" bson:"certificate_id,omitempty"`
	AnnouncementID string    `json:"announcement_id,omitempty" bson:"announcement_id,omitempty"`
	BatchID        string    `json:"batch_id,omitempty" bson:"batch_id,omitempty"`
	Note           string    `json:"note,omitempty" bson:"note,omitempty"`
	CreatedAt      time.Time `json:"created_at" bson:"created_at"`
	UpdatedAt      time.Time `json:"updated_at" bson:"updated_at"`
	Version        int       `json:"version" bson:"version"`
}

// Programme years the registry accepts: the plan starts in 2021 and looks to 2030.
const (
	PlanStartYear  = 2021
	MinProgrammeYr = 2000
	MaxProgrammeYr = 2100
)

func checkYear(p *Problems, field string, y int) {
	if y < MinProgrammeYr || y > MaxProgrammeYr {
		p.Add(field, "year", "must be a year between 2000 and 2100", "phải là năm trong khoảng 2000 đến 2100")
	}
}

// Validate checks a support record before it is written.
func (s *SupportRecord) Validate() error {
	var p Problems
	checkRef(&p, "enterprise_id", s.EnterpriseID, true)
	oneOf(&p, "kind", s.Kind, SupportKinds)
	checkYear(&p, "year", s.Year)
	oneOf(&p, "funding_source", s.FundingSource, FundingSources)
	if s.AmountVND < 0 || s.AmountVND > MaxSupportAmount {
		p.Add("amount_vnd", "range", "must be from 0 to 1,000,000,000,000 VND", "phải từ 0 đến 1.000.000.000.000 đồng")
	}
	checkRef(&p, "certificate_id", s.CertificateID, false)
	checkRef(&p, "announcement_id", s.AnnouncementID, false)
	checkRef(&p, "batch_id", s.BatchID, false)
	checkText(&p, "note", s.Note, 2000)
	return p.Err()
}

// Expert is a productivity and quality expert (chuyên gia năng suất chất
// lượng): trained by someone, and certified once they pass.
type Expert struct {
	ID     string `json:"id" bson:"_id"`
	Name   string `json:"name" bson:"name"`
	Sector string `json:"sector" bson:"sector"`
	// Employer is the agency or enterprise the expert works for (free text).
	Employer    string    `json:"employer,omitempty" bson:"employer,omitempty"`
	TrainedBy   string    `json:"trained_by" bson:"trained_by"`
	TrainedOn   Date      `json:"trained_on" bson:"trained_on"`
	CertifiedBy string    `json:"certified_by,omitempty" bson:"certified_by,omitempty"`
	CertifiedOn Date      `json:"certified_on,omitempty" bson:"certified_on,omitempty"`
	CreatedAt   time.Time `json:"created_at" bson:"created_at"`
	UpdatedAt   time.Time `json:"updated_at" bson:"updated_at"`
	Version     int       `json:"version" bson:"version"`
}

// Validate checks an expert before it is written.
func (e *Expert) Validate() error {
	var p Problems
	requireText(&p, "name", e.Name, 200)
	oneOf(&p, "sector", e.Sector, Sectors)
	checkText(&p, "employer", e.Employer, 300)
	requireText(&p, "trained_by", e.TrainedBy, 300)
	trained, okTrained := checkDate(&p, "trained_on", e.TrainedOn, true)
	// Certification is both who and when, or neither.
	certified, okCertified := checkDate(&p, "certified_on", e.CertifiedOn, e.CertifiedBy != "")
	if e.CertifiedOn != "" {
		requireText(&p, "certified_by", e.CertifiedBy, 300)
	} else {
		checkText(&p, "certified_by", e.CertifiedBy, 300)
	}
	if okTrained && okCertified && certified.Before(trained) {
		p.Add("certified_on", "date_order", "must not be before the training date", "không được trước ngày đào tạo")
	}
	return p.Err()
}

// Certified reports whether the expert has been certified.
func (e *Expert) Certified() bool { return e.CertifiedOn != "" }

// ParticipantRoles follow the plan's audience: leaders, managers, workers (II.4.b).
var ParticipantRoles = []string{"leader", "manager", "worker", "expert", "other"}

// Participant is who an enterprise sent to a course.
type Participant struct {
	EnterpriseID string `json:"enterprise_id" bson:"enterprise_id"`
	Role         string `json:"role" bson:"role"`
	Count        int    `json:"count" bson:"count"`
}

// TrainingCourse is a course (khoá tập huấn) on productivity and quality.
type TrainingCourse struct {
	ID           string        `json:"id" bson:"_id"`
	Title        string        `json:"title" bson:"title"`
	From         Date          `json:"from" bson:"from"`
	To           Date          `json:"to" bson:"to"`
	Organiser    string        `json:"organiser" bson:"organiser"`
	Location     string        `json:"location,omitempty" bson:"location,omitempty"`
	Participants []Participant `json:"participants,omitempty" bson:"participants,omitempty"`
	CreatedAt    time.Time     `json:"created_at" bson:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at" bson:"updated_at"`
	Version      int           `json:"version" bson:"version"`
}

// MaxParticipantRows bounds the participant list of one course.
const MaxParticipantRows = 1000

// Validate checks a course before it is written.
func (c *TrainingCourse) Validate() error {
	var p Problems
	requireText(&p, "title", c.Title, 300)
	from, okFrom := checkDate(&p, "from", c.From, true)
	to, okTo := checkDate(&p, "to", c.To, true)
	if okFrom && okTo && to.Before(from) {
		p.Add("to", "date_order", "must not be before the first day", "không được trước ngày bắt đầu")
	}
	requireText(&p, "organiser", c.Organiser, 300)
	checkText(&p, "location", c.Location, 300)
	if len(c.Participants) > MaxParticipantRows {
		p.Add("participants", "max_items", "too many items", "quá nhiều mục")
	}
	seen := map[[2]string]bool{}
	for i, pt := range c.Participants {
		var q Problems
		checkRef(&q, "enterprise_id", pt.EnterpriseID, true)
		oneOf(&q, "role", pt.Role, ParticipantRoles)
		if pt.Count < 1 || pt.Count > 10000 {
			q.Add("count", "range", "must be from 1 to 10,000", "phải từ 1 đến 10.000")
		}
		k := [2]string{pt.EnterpriseID, pt.Role}
		if seen[k] {
			q.Add("", "duplicate", "lists the same enterprise and role twice", "có doanh nghiệp và vai trò bị lặp lại")
		}
		seen[k] = true
		p.Merge(indexPrefix("participants", i), q.Err())
	}
	return p.Err()
}

// ParticipantCount returns how many people attended.
func (c *TrainingCourse) ParticipantCount() int {
	n := 0
	for _, pt := range c.Participants {
		n += pt.Count
	}
	return n
}

// SupportFilter selects support records in a list.
type SupportFilter struct {
	EnterpriseID string
	Kind         string
	Year         int // 0: any year
	Page         Page
}

// ProgrammeService keeps the programme's own records.
type ProgrammeService interface {
	// CreateSupportRecord validates and stores s. EINVALID; ENOTFOUND if the
	// enterprise does not exist; EINVALID (rule "exists") when a linked
	// certificate, announcement or batch is missing or another enterprise's.
	CreateSupportRecord(ctx context.Context, s *SupportRecord) error
	// FindSupportRecord returns ENOTFOUND if no record has that ID.
	FindSupportRecord(ctx context.Context, id string) (*SupportRecord, error)
	// ListSupportRecords returns one page of records matching f and the next cursor.
	ListSupportRecords(ctx context.Context, f SupportFilter) ([]*SupportRecord, string, error)
	// UpdateSupportRecord stores s if its Version is still the stored one.
	// EINVALID (also "exists", "immutable"), ENOTFOUND, ESTALE.
	UpdateSupportRecord(ctx context.Context, s *SupportRecord) error

	// CreateExpert validates and stores e. EINVALID.
	CreateExpert(ctx context.Context, e *Expert) error
	// FindExpert returns ENOTFOUND if no expert has that ID.
	FindExpert(ctx context.Context, id string) (*Expert, error)
	// ListExperts returns one page of experts and the next cursor.
	ListExperts(ctx context.Context, page Page) ([]*Expert, string, error)
	// UpdateExpert stores e if its Version is still the stored one. EINVALID, ENOTFOUND, ESTALE.
	UpdateExpert(ctx context.Context, e *Expert) error

	// CreateTrainingCourse validates and stores c. EINVALID, also (rule
	// "exists") when a participant's enterprise does not exist.
	CreateTrainingCourse(ctx context.Context, c *TrainingCourse) error
	// FindTrainingCourse returns ENOTFOUND if no course has that ID.
	FindTrainingCourse(ctx context.Context, id string) (*TrainingCourse, error)
	// ListTrainingCourses returns one page of courses and the next cursor.
	ListTrainingCourses(ctx context.Context, page Page) ([]*TrainingCourse, string, error)
	// UpdateTrainingCourse stores c if its Version is still the stored one. EINVALID, ENOTFOUND, ESTALE.
	UpdateTrainingCourse(ctx context.Context, c *TrainingCourse) error
}

// indexPrefix names the i-th item of a list field for Problems.Merge: "participants[2].".
func indexPrefix(field string, i int) string { return fmt.Sprintf("%s[%d].", field, i) }

// ProgrammeStore is every service of the province's programme: embedded in Store.
type ProgrammeStore interface {
	ProgrammeService
	BenchmarkService
	GoodPracticeService
	AnnualNotesService
}

// AnnualNotes are what only people know for a year's report to the
// Ministry: the difficulties met and the proposals (sections IV and V of
// the plan's report). One record per year, edited by province staff.
type AnnualNotes struct {
	Year         int       `json:"year" bson:"year"`
	Difficulties string    `json:"difficulties" bson:"difficulties"`
	Proposals    string    `json:"proposals" bson:"proposals"`
	UpdatedBy    string    `json:"updated_by,omitempty" bson:"updated_by,omitempty"`
	UpdatedAt    time.Time `json:"updated_at,omitzero" bson:"updated_at"`
	// Version is 0 for a year nobody has written yet.
	Version int `json:"version" bson:"version"`
}

// MaxNotesText bounds each of the notes' texts (characters).
const MaxNotesText = 10000

// Validate checks the notes before they are written.
func (n *AnnualNotes) Validate() error {
	var p Problems
	checkYear(&p, "year", n.Year)
	checkText(&p, "difficulties", n.Difficulties, MaxNotesText)
	checkText(&p, "proposals", n.Proposals, MaxNotesText)
	return p.Err()
}

// NoteLines splits a notes text into its non-empty lines (one report row each).
func NoteLines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// AnnualNotesService keeps the annual report's notes.
type AnnualNotesService interface {
	// FindAnnualNotes returns the notes of a year; a year nobody has
	// written has empty notes of Version 0 and no error. EINVALID for a
	// year out of range.
	FindAnnualNotes(ctx context.Context, year int) (*AnnualNotes, error)
	// SaveAnnualNotes stores n if its Version is still the stored one (0:
	// the year has none yet) and bumps it. EINVALID, ESTALE.
	SaveAnnualNotes(ctx context.Context, n *AnnualNotes) error
}

// Who may read and write the annual notes: province staff write, inspectors read.
var (
	errNotesSignIn = Errorf(EUNAUTHORIZED, "Please sign in.", "Vui lòng đăng nhập.")
	errNotesRole   = Errorf(EFORBIDDEN, "Only the Department of Science and Technology may do this.",
		"Chỉ Sở Khoa học và Công nghệ được thực hiện thao tác này.")
)

// CanReadAnnualNotes admits admin and inspectors.
func CanReadAnnualNotes(me Actor) error {
	switch {
	case me.Anonymous():
		return errNotesSignIn
	case me.Role != RoleAdmin && me.Role != RoleInspector:
		return errNotesRole
	}
	return nil
}

// WriteAnnualNotes stores the notes for me (admin only) as the version
// after n.Version, the one the writer read, and stamps who wrote them.
// The API's PUT and the workspace form both call it. EUNAUTHORIZED,
// EFORBIDDEN, EINVALID, ESTALE.
func WriteAnnualNotes(ctx context.Context, s AnnualNotesService, me Actor, n *AnnualNotes) error {
	if me.Anonymous() {
		return errNotesSignIn
	}
	if me.Role != RoleAdmin {
		return errNotesRole
	}
	n.UpdatedBy = me.Username
	return s.SaveAnnualNotes(ctx, n)
}
