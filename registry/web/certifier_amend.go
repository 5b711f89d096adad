package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

// crtAmend renews, corrects or replaces the PDF of a certificate of the
// certifier's own body, with a reason: each is an entry of its history,
// shown on the public certificate page. A new PDF is checked before
// anything is written; a wrong form keeps the file staged.
func (w *Web) crtAmend(c *fiber.Ctx) error {
	cert, err := w.crtLoad(c)
	if err != nil {
		return err
	}
	me := actor(c)
	if err := registry.Authorize(me, registry.ActUpdate, crtResource(cert)); err != nil {
		return err
	}
	form := newForm(c)
	show := func(status int, cert *registry.Certificate, err error) error {
		p := w.page(c, "certifier/cert", "crt_list_title")
		p.Form = form
		form.Fail(err)
		v, verr := w.crtViewOf(c, cert)
		if verr != nil {
			return verr
		}
		p.Data = v
		return w.render(c, status, p)
	}
	a := registry.CertificateAmendment{Action: form.Value("action"), Reason: form.Value("amend_reason"),
		IssuedOn: registry.Date(strings.TrimSpace(form.Value("renew_issued_on"))), ExpiresOn: registry.Date(strings.TrimSpace(form.Value("renew_expires_on"))),
		Standard: form.Value("correct_standard"), ScopeText: form.Value("correct_scope_text")}
	st, err := w.upload(c, form, "amend_document", registry.MaxDocumentSize, crtPDF)
	if err != nil && !invalid(err) {
		return err
	}
	var prob registry.Problems
	prob.Merge("", err)
	if st != nil || a.Action == registry.CertReplaceDocument {
		a.DocumentID = "ffffffffffffffffffffffff" // stands for the upload while the form is checked
	}
	if st == nil && a.Action == registry.CertReplaceDocument && err == nil {
		prob.Add("amend_document", "required", "attach the new PDF", "hãy đính kèm tệp PDF mới")
	}
	if _, aerr := a.Apply(cert, me.Username, w.clock.Now()); aerr != nil {
		prob.Merge("", renameFieldMap(aerr, amendFields))
	}
	if version, verr := strconv.Atoi(form.Value("version")); prob.Empty() && (verr != nil || version != cert.Version) {
		return show(fiber.StatusConflict, cert, crtStale)
	}
	if err := prob.Err(); err != nil {
		return show(fiber.StatusUnprocessableEntity, cert, err)
	}
	a.DocumentID = ""
	if st != nil {
		doc, err := w.saveDocument(c, st, "certificate", "Giấy chứng nhận "+cert.Number, cert.HolderID, cert.BodyID)
		if err != nil {
			return err
		}
		a.DocumentID = doc.ID
	}
	next, err := a.Apply(cert, me.Username, w.clock.Now())
	if err == nil {
		err = w.store.UpdateCertificate(ctx(c), next)
	}
	switch {
	case registry.ErrorCode(err) == registry.ESTALE:
		fresh, ferr := w.store.FindCertificate(ctx(c), cert.ID)
		if ferr != nil {
			return ferr
		}
		return show(fiber.StatusConflict, fresh, crtStale)
	case err != nil && invalid(err):
		return show(fiber.StatusUnprocessableEntity, cert, renameFieldMap(err, amendFields))
	case err != nil:
		return err
	}
	if err := w.audit(c, "certificate."+a.Action, registry.KindCertificate, cert.ID, cert.HolderID, cert, next); err != nil {
		return err
	}
	w.publicChanged()
	return w.redirectFlash(c, crtPath+"/"+cert.ID, "flash_crt_"+a.Action)
}

// amendFields are the amendment form's names of the amendment's fields.
var amendFields = map[string]string{"reason": "amend_reason", "issued_on": "renew_issued_on", "expires_on": "renew_expires_on",
	"document_id": "amend_document", "standard": "correct_standard", "scope_text": "correct_scope_text"}
