package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"time"
)

// AuditEntry is one write in the append-only, hash-chained audit log. Hash
// covers the previous entry's hash and every other field, so changing,
// removing or reordering an entry breaks the chain from there on.
type AuditEntry struct {
	Seq        int64     `json:"seq" bson:"_id"`
	At         time.Time `json:"at" bson:"at"`
	UserID     string    `json:"user_id" bson:"user_id"`
	Username   string    `json:"username" bson:"username"`
	Role       string    `json:"role" bson:"role"`
	Action     string    `json:"action" bson:"action"` // e.g. "batch.create"
	TargetKind string    `json:"target_kind" bson:"target_kind"`
	TargetID   string    `json:"target_id" bson:"target_id"`
	// EnterpriseID is the enterprise the target belongs to, for filtering.
	EnterpriseID string `json:"enterprise_id,omitempty" bson:"enterprise_id,omitempty"`
	// BeforeSHA256 and AfterSHA256 digest the record's JSON before and after
	// the write ("" when there was none: a create, a delete).
	BeforeSHA256 string `json:"before_sha256,omitempty" bson:"before_sha256,omitempty"`
	AfterSHA256  string `json:"after_sha256,omitempty" bson:"after_sha256,omitempty"`
	PrevHash     string `json:"prev_hash" bson:"prev_hash"`
	Hash         string `json:"hash" bson:"hash"`
}

// AuditGenesis is the previous hash of the first entry.
const AuditGenesis = "0000000000000000000000000000000000000000000000000000000000000000"

// ComputeHash returns the entry's hash from its fields and PrevHash. Fields
// are length-prefixed so no two different entries hash the same text.
func (e *AuditEntry) ComputeHash() string {
	h := sha256.New()
	for _, s := range []string{
		strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(time.RFC3339Nano), e.UserID, e.Username, e.Role, e.Action,
		e.TargetKind, e.TargetID, e.EnterpriseID, e.BeforeSHA256, e.AfterSHA256, e.PrevHash,
	} {
		fmt.Fprintf(h, "%d:%s;", len(s), s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// NewAuditEntry is the entry for a write by me: before and after are the
// record as it was and as it is (nil, or a nil pointer, when there is none).
func NewAuditEntry(me Actor, action, kind, id, enterpriseID string, before, after any) *AuditEntry {
	return &AuditEntry{UserID: me.UserID, Username: me.Username, Role: me.Role, Action: action,
		TargetKind: kind, TargetID: id, EnterpriseID: enterpriseID, BeforeSHA256: DigestJSON(before), AfterSHA256: DigestJSON(after)}
}

// DigestJSON returns the hex SHA-256 of v's JSON, "" for nil or a nil pointer.
func DigestJSON(v any) string {
	if v == nil {
		return ""
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// AuditBreak names the first broken link of the chain.
type AuditBreak struct {
	Seq    int64
	Reason string
}

func (b *AuditBreak) Error() string {
	return fmt.Sprintf("audit chain broken at entry %d: %s", b.Seq, b.Reason)
}

// ChainChecker checks entries fed to it in sequence order.
type ChainChecker struct {
	prev    string
	nextSeq int64
	Checked int64
}

// NewChainChecker starts at the first entry.
func NewChainChecker() *ChainChecker { return &ChainChecker{prev: AuditGenesis, nextSeq: 1} }

// Check returns an *AuditBreak when e does not follow the entries before it.
func (c *ChainChecker) Check(e *AuditEntry) error {
	switch {
	case e.Seq != c.nextSeq:
		return &AuditBreak{Seq: c.nextSeq, Reason: fmt.Sprintf("entry %d is missing (next found is %d)", c.nextSeq, e.Seq)}
	case e.PrevHash != c.prev:
		return &AuditBreak{Seq: e.Seq, Reason: "its previous hash does not match the entry before it"}
	case e.ComputeHash() != e.Hash:
		return &AuditBreak{Seq: e.Seq, Reason: "its content does not match its hash (changed after it was written)"}
	}
	c.prev, c.nextSeq = e.Hash, e.Seq+1
	c.Checked++
	return nil
}

// AuditFilter selects audit entries.
type AuditFilter struct {
	UserID       string
	TargetKind   string
	TargetID     string
	EnterpriseID string
	Action       string
	// Cursor is the last Seq of the previous page ("" from the start).
	Page Page
}

// AuditService keeps the audit log.
type AuditService interface {
	// AppendAudit sets e's Seq, PrevHash and Hash and appends it; concurrent
	// appends (from any replica) each get their own place in the chain.
	AppendAudit(ctx context.Context, e *AuditEntry) error
	// ListAudit returns one page of entries in sequence order and the next cursor.
	ListAudit(ctx context.Context, f AuditFilter) ([]*AuditEntry, string, error)
	// VerifyAudit walks the whole chain; it returns the number of entries
	// checked and an *AuditBreak naming the first broken link, if any.
	VerifyAudit(ctx context.Context) (int64, error)
}
