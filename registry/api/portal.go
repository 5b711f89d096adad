package api

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/portal"
)

// The national portal export (Circular 02/2024/TT-BKHCN): the public lots
// as registry/portal's records, as a list page or NDJSON.

// portalPage is the JSON answer: a list page, with the format named.
type portalPage struct {
	Format     string          `json:"format"`
	Items      []portal.Record `json:"items"`
	NextCursor string          `json:"next_cursor"`
}

func (a *API) mountPortal(g fiber.Router) {
	a.add(g, routeDoc{Method: "GET", Tag: "exports",
		Summary: "National portal export (Circular 02/2024/TT-BKHCN; format " + portal.Format + ", our reading of the portal's information groups): " +
			"one record per published or recalled lot, never drafts or events declared an error, oldest change first. " +
			"Accept: application/x-ndjson answers one record per line, the next cursor in the X-Next-Cursor header and a Link rel=\"next\". " +
			"?enterprise= takes a tax code or ID. Access: admin and inspectors all lots; an enterprise its own",
		Response: portalPage{}, AltType: portal.MediaType, AltResponse: portal.Record{},
		Query: []string{"enterprise", "updated_since", "limit", "cursor"}}, "/exports/national-portal", a.portalExport)
}

func (a *API) portalExport(c *fiber.Ctx) error {
	me := actor(c)
	scope, err := registry.Scope(me, registry.KindBatch)
	if err != nil {
		return err
	}
	p, err := page(c)
	if err != nil {
		return err
	}
	enterpriseID := scope
	if ref := c.Query("enterprise"); ref != "" {
		e, err := a.findEnterpriseRef(c, ref)
		if err != nil {
			return err
		}
		// Another tenant's enterprise is answered as an unknown one.
		if scope != "" && e.ID != scope {
			return errNoSuchEnterprise
		}
		enterpriseID = e.ID
	}
	x := portal.Exporter{Store: a.store, Base: a.publicBase(c), Clock: a.clock}
	recs, next, err := x.Page(c.UserContext(), portal.Query{EnterpriseID: enterpriseID, UpdatedSince: p.UpdatedSince, Cursor: p.Cursor, Limit: p.Limit})
	if err != nil {
		return err
	}
	if !wantsNDJSON(c) {
		return c.JSON(portalPage{Format: portal.Format, Items: recs, NextCursor: next})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for i := range recs {
		if err := enc.Encode(&recs[i]); err != nil {
			return err
		}
	}
	if next != "" {
		c.Set("X-Next-Cursor", next)
		q := url.Values{}
		c.Context().QueryArgs().VisitAll(func(k, v []byte) { q.Set(string(k), string(v)) })
		q.Set("cursor", next)
		c.Set(fiber.HeaderLink, "<"+Prefix+"/exports/national-portal?"+q.Encode()+`>; rel="next"`)
	}
	c.Set(fiber.HeaderContentType, portal.MediaType+"; charset=utf-8")
	return c.Send(buf.Bytes())
}

// wantsNDJSON reports whether the caller asked for NDJSON rather than JSON.
func wantsNDJSON(c *fiber.Ctx) bool {
	return strings.Contains(strings.ToLower(c.Get(fiber.HeaderAccept)), portal.MediaType)
}

var errNoSuchEnterprise = fieldErr("enterprise", "exists", "names no enterprise whose lots you may export (give its tax code or ID)",
	"không có doanh nghiệp nào mà bạn được xuất dữ liệu lô hàng với mã số thuế hoặc mã này")

// findEnterpriseRef finds an enterprise by tax code or record ID: 422 naming
// the parameter when it is neither, or names no enterprise.
func (a *API) findEnterpriseRef(c *fiber.Ctx, ref string) (*registry.Enterprise, error) {
	var e *registry.Enterprise
	var err error
	switch {
	case registry.ValidID(ref):
		e, err = a.store.FindEnterprise(c.UserContext(), ref)
	case registry.ValidTaxCode(ref):
		e, err = a.store.FindEnterpriseByTaxCode(c.UserContext(), ref)
	default:
		return nil, fieldErr("enterprise", "enterprise", "must be a tax code (10 digits, or 10 digits, a dash and 3 digits) or a record ID (24 hex digits)",
			"phải là mã số thuế (10 chữ số, hoặc 10 chữ số, dấu gạch ngang và 3 chữ số) hoặc mã bản ghi (24 chữ số thập lục phân)")
	}
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		return nil, errNoSuchEnterprise
	}
	return e, err
}
