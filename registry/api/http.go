package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/strictjson"
)

// MaxJSONBody caps a JSON request body.
const MaxJSONBody = 1 << 20

// listOf is the shape of every list answer.
type listOf[T any] struct {
	Items      []*T   `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func nonNil[T any](items []*T) []*T {
	if items == nil {
		return []*T{}
	}
	return items
}

func fieldErr(field, rule, en, vi string) error {
	var p registry.Problems
	p.Add(field, rule, en, vi)
	return p.Err()
}

var errMalformed = strictjson.ErrMalformed

// decodeJSON decodes the body into v strictly: JSON media type, at most
// limit bytes, one object, no unknown fields, every value of its field's type.
// Not JSON at all: 400 malformed. Unknown field or wrong type: 422 invalid
// naming the field.
func decodeJSON(c *fiber.Ctx, v any, limit int) error {
	if ct := strings.ToLower(c.Get(fiber.HeaderContentType)); !strings.HasPrefix(ct, fiber.MIMEApplicationJSON) {
		return registry.Errorf(registry.EMEDIATYPE, "Send the body as application/json.", "Hãy gửi nội dung dạng application/json.")
	}
	body := c.Body()
	if len(body) > limit {
		return registry.Errorf(registry.ETOOLARGE, fmt.Sprintf("The request body is larger than %d bytes.", limit),
			fmt.Sprintf("Nội dung yêu cầu lớn hơn %d byte.", limit))
	}
	return decodeStrict(body, v)
}

// decodeStrict decodes one JSON object from b into v (see decodeJSON).
func decodeStrict(b []byte, v any) error { return strictjson.Decode(b, v) }

// page reads ?limit= and ?cursor=.
func page(c *fiber.Ctx) (registry.Page, error) {
	p := registry.Page{Cursor: c.Query("cursor")}
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return p, fieldErr("limit", "range", fmt.Sprintf("must be a whole number from 1 to %d", registry.MaxPageLimit),
				fmt.Sprintf("phải là số nguyên từ 1 đến %d", registry.MaxPageLimit))
		}
		p.Limit = min(n, registry.MaxPageLimit)
	}
	if len(p.Cursor) > registry.MaxCursorLen {
		return p, fieldErr("cursor", "cursor", "is not a cursor this list returned", "không phải con trỏ do danh sách này trả về")
	}
	if s := c.Query("updated_since"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return p, fieldErr("updated_since", "datetime", "must be a time in RFC 3339 form, such as 2026-11-27T08:00:00+07:00",
				"phải là thời điểm dạng RFC 3339, ví dụ 2026-11-27T08:00:00+07:00")
		}
		p.UpdatedSince = t
	}
	return p.Normalize(), nil
}

// queryDate reads an optional YYYY-MM-DD query parameter.
func queryDate(c *fiber.Ctx, name string) (registry.Date, error) {
	s := c.Query(name)
	if s == "" {
		return "", nil
	}
	if _, err := registry.ParseDate(s); err != nil {
		return "", fieldErr(name, "date", "must be a date written YYYY-MM-DD", "phải là ngày dạng YYYY-MM-DD")
	}
	return registry.Date(s), nil
}

// queryID reads an optional record-ID query parameter.
func queryID(c *fiber.Ctx, name string) (string, error) {
	s := c.Query(name)
	if s != "" && !registry.ValidID(s) {
		return "", fieldErr(name, "id", "must be a record ID (24 hex digits)", "phải là mã bản ghi (24 chữ số thập lục phân)")
	}
	return s, nil
}

// queryText reads an optional short text query parameter.
func queryText(c *fiber.Ctx, name string) (string, error) {
	s := c.Query(name)
	if len(s) > 200 {
		return "", fieldErr(name, "max_length", "is too long", "quá dài")
	}
	return s, nil
}

// etag is a record's entity tag: its ID and version.
func etag(id string, version int) string { return fmt.Sprintf(`"%s-v%d"`, id, version) }

var (
	errNeedIfMatch = registry.Errorf(registry.EPRECONDITION, "Send If-Match with the ETag you read, so a change made meanwhile is not overwritten.",
		"Hãy gửi If-Match với ETag đã đọc, để không ghi đè thay đổi của người khác.")
	errStale = registry.Errorf(registry.ESTALE, "The record changed since you read it; reload and try again.",
		"Bản ghi đã thay đổi kể từ khi bạn đọc; hãy tải lại và thử lại.")
)

// ifMatch returns the version the client read of record id: 428 without
// If-Match, 412 when it names another record or is not one of ours.
func ifMatch(c *fiber.Ctx, id string) (int, error) {
	h := strings.TrimSpace(c.Get(fiber.HeaderIfMatch))
	if h == "" {
		return 0, errNeedIfMatch
	}
	h = strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
	i := strings.LastIndex(h, "-v")
	if i < 0 || h[:i] != id {
		return 0, errStale
	}
	v, err := strconv.Atoi(h[i+2:])
	if err != nil || v < 1 {
		return 0, errStale
	}
	return v, nil
}

// idempotency answers a repeated POST (same user, route and Idempotency-Key)
// with the first 2xx answer. A concurrent repeat while the first is running
// gets 409; the same key with another body 422.
func (a *API) idempotency(c *fiber.Ctx) error {
	key := c.Get("Idempotency-Key")
	me := actor(c)
	if key == "" || me.Anonymous() {
		return c.Next()
	}
	if len(key) > 200 {
		return fieldErr("Idempotency-Key", "max_length", "must be at most 200 characters", "tối đa 200 ký tự")
	}
	scope := sha256.Sum256([]byte(me.UserID + "\x00" + c.Method() + "\x00" + c.Path() + "\x00" + key))
	bodySum := sha256.Sum256(c.Body())
	rec := &registry.IdempotencyRecord{Key: hex.EncodeToString(scope[:]), RequestSHA256: hex.EncodeToString(bodySum[:])}
	ctx := c.UserContext()
	prev, err := a.store.BeginIdempotent(ctx, rec)
	if err != nil {
		return err
	}
	if prev != nil {
		if prev.RequestSHA256 != rec.RequestSHA256 {
			return fieldErr("Idempotency-Key", "reused", "was used before with another request body", "đã được dùng cho một yêu cầu khác")
		}
		if !prev.Done && a.stalePending(prev) {
			a.abandon(c, rec.Key) // its request died with its process: run this one
			return a.idempotency(c)
		}
		if !prev.Done {
			return registry.Errorf(registry.ECONFLICT, "A request with this Idempotency-Key is still running; retry in a moment.",
				"Một yêu cầu mang Idempotency-Key này đang được xử lý; hãy thử lại sau giây lát.")
		}
		c.Set("Idempotent-Replayed", "true")
		c.Set(fiber.HeaderContentType, prev.ContentType)
		return c.Status(prev.Status).Send(prev.Body)
	}
	if err := c.Next(); err != nil {
		a.abandon(c, rec.Key)
		return err
	}
	status := c.Response().StatusCode()
	if status < 200 || status > 299 {
		a.abandon(c, rec.Key)
		return nil
	}
	return a.store.CompleteIdempotent(ctx, rec.Key, status, string(c.Response().Header.ContentType()), bytes.Clone(c.Response().Body()))
}

// atomicRoute says whether a route's request runs in one transaction: every
// write except sign-in (whose failure counts must stay when it answers 401)
// and the bulk routes (imports and EPCIS capture commit in bounded chunks of
// their own, so they never hold the writer for long).
func atomicRoute(method, path string) bool {
	if method == fiber.MethodGet || method == fiber.MethodHead {
		return false
	}
	switch path {
	case "/auth/token", "/auth/refresh", "/auth/logout", "/epcis/capture":
		return false
	}
	return !strings.HasSuffix(path, `\:import`)
}

// PendingTimeout is how long a reservation may stay unanswered before it is
// taken as left behind by a process that died mid-request.
const PendingTimeout = 10 * time.Minute

func (a *API) stalePending(rec *registry.IdempotencyRecord) bool {
	return !rec.Done && a.clock.Now().Sub(rec.CreatedAt) > PendingTimeout
}

func (a *API) abandon(c *fiber.Ctx, key string) {
	if err := a.store.AbandonIdempotent(c.UserContext(), key); err != nil {
		a.log.Warn("idempotency: free a reservation", "err", err)
	}
}

// audit appends one entry for a write by the calling actor.
func (a *API) audit(c *fiber.Ctx, action, kind, id, enterpriseID string, before, after any) error {
	return a.store.AppendAudit(c.UserContext(), registry.NewAuditEntry(actor(c), action, kind, id, enterpriseID, before, after))
}
