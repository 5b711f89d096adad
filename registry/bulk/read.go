// Package bulk imports lots and events in bulk from CSV or NDJSON: it reads
// the rows, checks every one of them, writes them (all or nothing, or each
// good row) with a per-row report, and makes a repeated row with the same
// key write nothing. The JSON API and the workspaces both use it; it
// depends on package registry only.
package bulk

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/strictjson"
)

// Import limits.
const (
	MaxBody = 16 << 20
	MaxRows = 20000
	// MaxLine caps one NDJSON line.
	MaxLine = 1 << 20
)

// Import modes.
const (
	ModeEach         = "each"           // write the good rows, report the bad ones
	ModeAllOrNothing = "all-or-nothing" // write nothing when any row fails
)

// Media types of an import.
const (
	MediaCSV    = "text/csv"
	MediaNDJSON = "application/x-ndjson"
)

// IsNDJSON reports whether mt names newline-delimited JSON.
func IsNDJSON(mt string) bool {
	switch mt {
	case "application/x-ndjson", "application/ndjson", "application/jsonl":
		return true
	}
	return false
}

// Kind is what an import holds: its columns and how a CSV record becomes a row.
type Kind struct {
	Name      string // "batches" or "events"
	Columns   []string
	ColumnsVI []string
	// OtherColumns (and their Vietnamese headings) are accepted but not
	// in the template: the record IDs a system may send.
	OtherColumns, OtherColumnsVI []string
	headings                     map[string]string
	jsonOf                       func(map[string]string) ([]byte, error)
}

// Column headings, English first; Vietnamese headings are accepted too.
var (
	// The template's columns are the ones people fill in: codes and names
	// they know (refs.go). The ID columns are accepted too, for systems.
	Batches = newKind("batches",
		[]string{"idempotency_key", "enterprise_tax_code", "product", "lot_code", "quantity", "unit", "produced_on", "harvested_on",
			"expires_on", "facility", "source_plots", "certificate_numbers", "dds_reference", "status"},
		[]string{"Khóa chống trùng", "Mã số thuế", "Sản phẩm", "Mã lô", "Số lượng", "Đơn vị", "Ngày sản xuất", "Ngày thu hoạch",
			"Hạn sử dụng", "Nơi sản xuất", "Vùng trồng", "Số chứng nhận", "Số DDS", "Trạng thái"},
		csvJSON([]string{"quantity"}, []string{"source_plot_ids", "certificate_ids", "source_plots", "certificate_numbers"}, nil)).
		alsoAccepts([]string{"enterprise_id", "product_id", "facility_id", "source_plot_ids", "certificate_ids"},
			[]string{"Mã doanh nghiệp", "Mã sản phẩm", "Mã cơ sở", "Thửa đất nguồn", "Chứng nhận"})
	Events = newKind("events",
		[]string{"idempotency_key", "enterprise_tax_code", "kind", "event_time", "event_time_zone", "business_step", "disposition",
			"facility", "batches", "inputs", "outputs", "counterparty_tax_code", "note"},
		[]string{"Khóa chống trùng", "Mã số thuế", "Loại sự kiện", "Thời điểm", "Múi giờ", "Bước nghiệp vụ", "Tình trạng",
			"Nơi diễn ra", "Lô hàng", "Đầu vào", "Đầu ra", "MST đối tác", "Ghi chú"},
		csvJSON(nil, nil, []string{"batches", "inputs", "outputs"})).
		alsoAccepts([]string{"enterprise_id", "facility_id"}, []string{"Mã doanh nghiệp", "Mã cơ sở"})
)

func newKind(name string, en, vi []string, jsonOf func(map[string]string) ([]byte, error)) Kind {
	m := map[string]string{}
	for i := range en {
		m[en[i]] = en[i]
		m[strings.ToLower(vi[i])] = en[i]
	}
	return Kind{Name: name, Columns: en, ColumnsVI: vi, headings: m, jsonOf: jsonOf}
}

// alsoAccepts adds columns a CSV may have that the template leaves out.
func (k Kind) alsoAccepts(en, vi []string) Kind {
	k.OtherColumns, k.OtherColumnsVI = en, vi
	for i := range en {
		k.headings[en[i]] = en[i]
		k.headings[strings.ToLower(vi[i])] = en[i]
	}
	return k
}

// Template is the kind's CSV template: a UTF-8 byte order mark (so
// spreadsheet programs read UTF-8) and the heading row, in Vietnamese when vi.
func (k Kind) Template(vi bool) []byte {
	cols := k.Columns
	if vi {
		cols = k.ColumnsVI
	}
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	w.Write(cols)
	w.Flush()
	return buf.Bytes()
}

// Input is an import read into rows: each a JSON object, or nil with its
// error set (a CSV record that could not become a row).
type Input struct {
	Mode string
	rows [][]byte
	errs []error
}

// Len is the number of rows.
func (in *Input) Len() int { return len(in.rows) }

func fieldErr(field, rule, en, vi string) error {
	var p registry.Problems
	p.Add(field, rule, en, vi)
	return p.Err()
}

// Read checks the mode and splits body, of media type mt (MediaCSV or an
// NDJSON type), into rows. EINVALID for a bad mode, an unknown CSV column or
// no rows; ETOOLARGE over MaxBody or MaxRows; EMEDIATYPE for another media
// type; EMALFORMED when the body cannot be read.
func Read(k Kind, mode, mt string, body []byte) (*Input, error) {
	if mode == "" {
		mode = ModeEach
	}
	in := &Input{Mode: mode}
	if in.Mode != ModeEach && in.Mode != ModeAllOrNothing {
		return nil, fieldErr("mode", "one_of", "must be each or all-or-nothing", "phải là each hoặc all-or-nothing")
	}
	if len(body) > MaxBody {
		return nil, registry.Errorf(registry.ETOOLARGE, "The import is larger than 16 MiB; split it.", "Tệp nhập lớn hơn 16 MiB; hãy chia nhỏ.")
	}
	switch {
	case IsNDJSON(mt):
		sc := bufio.NewScanner(bytes.NewReader(body))
		sc.Buffer(make([]byte, 64<<10), MaxLine)
		for sc.Scan() {
			line := bytes.TrimSpace(sc.Bytes())
			if len(line) == 0 {
				continue
			}
			in.rows = append(in.rows, bytes.Clone(line))
			in.errs = append(in.errs, nil)
		}
		if err := sc.Err(); err != nil {
			return nil, registry.Errorf(registry.EMALFORMED, "A line is longer than 1 MiB or the body cannot be read.", "Có dòng dài hơn 1 MiB hoặc không đọc được nội dung.")
		}
	case mt == MediaCSV:
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff"))))
		header, err := r.Read()
		if err != nil {
			return nil, registry.Errorf(registry.EMALFORMED, "The CSV has no heading row.", "Tệp CSV không có dòng tiêu đề.")
		}
		cols := make([]string, len(header))
		for i, h := range header {
			name, ok := k.headings[strings.ToLower(strings.TrimSpace(h))]
			if !ok {
				return nil, fieldErr("heading "+strconv.Itoa(i+1), "unknown_column", fmt.Sprintf("%q is not a column of this import", h),
					fmt.Sprintf("%q không phải là cột của tệp nhập này", h))
			}
			cols[i] = name
		}
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				var pe *csv.ParseError
				if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
					in.rows = append(in.rows, nil)
					in.errs = append(in.errs, fieldErr("row", "columns", "has a different number of columns than the heading", "có số cột khác dòng tiêu đề"))
					continue
				}
				return nil, registry.Errorf(registry.EMALFORMED, "The CSV cannot be read: "+err.Error(), "Không đọc được tệp CSV: "+err.Error())
			}
			m := map[string]string{}
			for i, v := range rec {
				if v = strings.TrimSpace(v); v != "" {
					m[cols[i]] = v
				}
			}
			b, err := k.jsonOf(m)
			in.rows = append(in.rows, b)
			in.errs = append(in.errs, err)
		}
	default:
		return nil, registry.Errorf(registry.EMEDIATYPE, "Send text/csv or application/x-ndjson.", "Hãy gửi text/csv hoặc application/x-ndjson.")
	}
	if len(in.rows) == 0 {
		return nil, fieldErr("body", "required", "the import has no rows", "tệp nhập không có dòng nào")
	}
	if len(in.rows) > MaxRows {
		return nil, registry.Errorf(registry.ETOOLARGE, fmt.Sprintf("At most %d rows per import.", MaxRows), fmt.Sprintf("Tối đa %d dòng mỗi lần nhập.", MaxRows))
	}
	return in, nil
}

// csvJSON turns a CSV record into the JSON of a row: lists split on ";",
// quantities written "batch_id:quantity:unit", numbers as numbers.
func csvJSON(numbers, lists, quantities []string) func(map[string]string) ([]byte, error) {
	return func(m map[string]string) ([]byte, error) {
		obj := map[string]any{}
		for k, v := range m {
			switch {
			case contains(numbers, k):
				n, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64)
				if err != nil {
					return nil, fieldErr(k, "type", "must be a number", "phải là số")
				}
				obj[k] = n
			case contains(lists, k):
				obj[k] = splitList(v)
			case contains(quantities, k):
				var qs []registry.Quantity
				for _, item := range splitList(v) {
					parts := strings.Split(item, ":")
					q := registry.Quantity{BatchID: parts[0]}
					if len(parts) > 1 {
						n, err := strconv.ParseFloat(strings.ReplaceAll(parts[1], ",", "."), 64)
						if err != nil {
							return nil, fieldErr(k, "type", "write batch_id:quantity:unit", "viết dạng mã_lô:số_lượng:đơn_vị")
						}
						q.Quantity = n
					}
					if len(parts) > 2 {
						q.Unit = parts[2]
					}
					qs = append(qs, q)
				}
				obj[k] = qs
			default:
				obj[k] = v
			}
		}
		return json.Marshal(obj)
	}
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ";") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// decodeRow decodes one JSON row strictly, as the API decodes a record.
func decodeRow(b []byte, v any) error { return strictjson.Decode(b, v) }

// DeriveKeys gives every row without an idempotency key one made from its
// content, so uploading the same rows again writes nothing new even when
// whoever filled in the template left the key blank. (The API leaves keys
// to its clients.)
func (in *Input) DeriveKeys() {
	for i, raw := range in.rows {
		if raw == nil || in.errs[i] != nil {
			continue
		}
		var obj map[string]any
		if json.Unmarshal(raw, &obj) != nil {
			continue // decodeRow reports it
		}
		if v, ok := obj["idempotency_key"]; ok {
			if k, isText := v.(string); !isText || k != "" {
				continue // a key of its own, or a wrong one decodeRow reports
			}
		}
		delete(obj, "idempotency_key")
		canon, err := json.Marshal(obj) // map keys sorted: the same row gives the same key
		if err != nil {
			continue
		}
		sum := sha256.Sum256(canon)
		obj["idempotency_key"] = "auto-" + hex.EncodeToString(sum[:16])
		if b, err := json.Marshal(obj); err == nil {
			in.rows[i] = b
		}
	}
}
