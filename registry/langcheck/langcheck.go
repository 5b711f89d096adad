// Package langcheck finds English words and raw codes in what a reader of
// a Vietnamese page reads: the tests of every page family use it.
package langcheck

import (
	"html"
	"regexp"
	"strings"
)

// english are words and raw codes that must not be read on a Vietnamese
// page: English status and unit words, internal codes, common English.
var english = regexp.MustCompile(`\b(bag|bags|box|carton|piece|bottle|jar|issued|active|suspended|withdrawn|expired|` +
	`draft|published|recalled|pending|submitted|received|rejected|needs_more|organic_eu|organic_usda|organic_tcvn_11041|hop_quy|hop_chuan|` +
	`farm_plot|processing_site|warehouse|harvesting|drying|roasting|packing|shipping|receiving|storing|transforming|` +
	`self_assessment|certification|Certificate|Certificates|Lot|Lots|Product|Products|Search|Home|Error|Valid|valid|Journey|Origin|Recall|` +
	`Not found|not found|Save|Cancel|Delete|Edit|Submit|the|and|must|with|your)\b`)

var (
	scriptOrStyle = regexp.MustCompile(`(?s)<(script|style)\b.*?</(script|style)>`)
	// Pages that must be read by anyone (error pages) say it in English
	// too, marked lang="en": that is not English on a Vietnamese page.
	markedEnglish = regexp.MustCompile(`(?s)<(p|span|a|div|h2|section|ul)\b[^>]*\blang="en"[^>]*>.*?</(p|span|a|div|h2|section|ul)>`)
	readAttr      = regexp.MustCompile(`\b(placeholder|title|alt|aria-label)="([^"]*)"`)
	anyTag        = regexp.MustCompile(`(?s)<[^>]*>`)
	code          = regexp.MustCompile(`(?s)<code\b[^>]*>.*?</code>`)
)

// Text is what a person reads or hears of an HTML page: its text and the
// attributes shown or spoken, without what is marked English and without
// <code> (identifiers shown as such).
func Text(page string) string {
	page = scriptOrStyle.ReplaceAllString(page, " ")
	page = markedEnglish.ReplaceAllString(page, " ")
	page = code.ReplaceAllString(page, " ")
	var attrs []string
	for _, m := range readAttr.FindAllStringSubmatch(page, -1) {
		attrs = append(attrs, m[2])
	}
	return html.UnescapeString(anyTag.ReplaceAllString(page, " ") + " " + strings.Join(attrs, " "))
}

// English returns the English words and raw codes of page's text, each
// with some text around the first, or "" if there are none.
func English(page string) (found []string, context string) {
	text := Text(page)
	found = english.FindAllString(text, -1)
	if len(found) == 0 {
		return nil, ""
	}
	i := english.FindStringIndex(text)
	return found, strings.Join(strings.Fields(text[max(0, i[0]-80):min(len(text), i[1]+80)]), " ")
}
