package api

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/crmconvert/crmconvert/conversion"
)

// The bodies of the conversion's step requests.
type (
	mappingRequest struct {
		Mapping conversion.Mapping `json:"mapping"`
	}
	itemsRequest struct {
		Items []pickBody `json:"items"`
	}
	pickBody struct {
		OpportunityItemID string `json:"opportunity_item_id"`
		Quantity          string `json:"quantity"`
	}
	closeRequest struct {
		Close *bool `json:"close"`
	}
	// draftLineBody is one entry of "lines" in a draft edit.
	draftLineBody struct {
		OpportunityItemID string  `json:"opportunity_item_id"`
		Quantity          *string `json:"quantity"`
		UnitPrice         *string `json:"unit_price"`
		DiscountPercent   *string `json:"discount_percent"`
		Remove            bool    `json:"remove"`
	}
)

func required(field string) *Problem {
	return typeMalformed.with(field+" is required", conversion.FieldError{Field: field, Message: "required"})
}

// picks reads the items of the products step; a quantity that is not a
// decimal number is a rule broken (422).
func (r itemsRequest) picks() ([]conversion.Pick, error) {
	var errs fieldErrors
	picks := make([]conversion.Pick, 0, len(r.Items))
	for i, it := range r.Items {
		at := "items[" + strconv.Itoa(i) + "]"
		checkItemID(it.OpportunityItemID, at+".opportunity_item_id", &errs)
		if it.Quantity == "" {
			errs.add(at+".quantity", "required")
		} else if q := parseDecimal(it.Quantity, at+".quantity", &errs); q != nil {
			picks = append(picks, conversion.Pick{OpportunityItemID: it.OpportunityItemID, Quantity: *q})
		}
	}
	if len(errs) > 0 {
		return nil, typeInvalid.with("the selected items are not valid", errs...)
	}
	return picks, nil
}

// headerFields are the draft's built-in header fields, sent by name at the
// top level of a draft edit, with their types.
var headerFields = func() map[string]conversion.FieldType {
	types := map[string]conversion.FieldType{}
	for _, f := range conversion.NewCatalog(nil).Targets {
		types[strings.TrimPrefix(f.Name, conversion.TargetPrefix)] = f.Type
	}
	return types
}()

// customerCheck tells whether a customer id is one of the caller's organization.
type customerCheck func(ctx context.Context, customerID string) (bool, error)

// draftPatch reads a draft edit: header fields by name (a string, or null
// to clear), "custom" (name to string, number, boolean or null) and "lines".
// The shape is checked here (400), then the bounds and the built-in fields'
// values (422: lengths, dates, currency, amounts, how many lines and custom
// fields) and that a customer is one of the organization's; the workflow
// checks the rest (items of the opportunity, quantities within what remains,
// custom fields' types).
func draftPatch(ctx context.Context, v any, customerExists customerCheck) (conversion.DraftPatch, error) {
	body, ok := v.(map[string]any)
	if !ok {
		return conversion.DraftPatch{}, typeMalformed.with("the body must be a JSON object, not " + jsonType(v))
	}
	patch := conversion.DraftPatch{Header: map[string]string{}}
	var shape fieldErrors
	var lines []draftLineBody
	for _, k := range slices.Sorted(maps.Keys(body)) {
		_, isHeader := headerFields[k]
		switch val := body[k]; {
		case isHeader:
			switch s := val.(type) {
			case string:
				patch.Header[k] = s
			case nil:
				patch.Header[k] = ""
			default:
				shape.add(k, "must be a string or null, not %s", jsonType(val))
			}
		case k == "custom":
			custom, ok := val.(map[string]any)
			if !ok && val != nil {
				shape.add(k, "must be an object, not %s", jsonType(val))
			}
			for _, name := range slices.Sorted(maps.Keys(custom)) {
				cv := custom[name]
				s, ok := customValue(cv)
				if !ok {
					shape.add("custom."+name, "must be a string, number, boolean or null, not %s", jsonType(cv))
				}
				patch.Header["custom."+name] = s
			}
		case k == "lines":
			if err := convert(val, &lines, k, &shape); err != nil {
				return conversion.DraftPatch{}, err
			}
		default:
			shape.add(k, "unknown field")
		}
	}
	if len(shape) > 0 {
		return conversion.DraftPatch{}, typeMalformed.with("the body does not have the expected fields and types", shape...)
	}

	var errs fieldErrors
	checkHeader(patch.Header, &errs)
	if len(lines) > conversion.MaxLines {
		errs.add("lines", "at most %d lines", conversion.MaxLines)
		lines = nil
	}
	for i, l := range lines {
		patch.Lines = append(patch.Lines, l.patch("lines["+strconv.Itoa(i)+"]", &errs))
	}
	if id := patch.Header["customer_id"]; id != "" && !slices.ContainsFunc(errs, func(e conversion.FieldError) bool { return e.Field == "customer_id" }) {
		exists, err := customerExists(ctx, id)
		if err != nil {
			return conversion.DraftPatch{}, err
		}
		if !exists {
			errs.add("customer_id", "no such customer")
		}
	}
	if len(errs) > 0 {
		return conversion.DraftPatch{}, typeInvalid.with("the draft edit is not valid", errs...)
	}
	return patch, nil
}

// patch reads the line's decimal amounts; a bad one is a field error under at.
func (l draftLineBody) patch(at string, errs *fieldErrors) conversion.LinePatch {
	lp := conversion.LinePatch{OpportunityItemID: l.OpportunityItemID, Remove: l.Remove}
	checkItemID(l.OpportunityItemID, at+".opportunity_item_id", errs)
	if l.Quantity != nil {
		lp.Quantity = parseDecimal(*l.Quantity, at+".quantity", errs)
	}
	if l.UnitPrice != nil {
		lp.UnitPrice = parseDecimal(*l.UnitPrice, at+".unit_price", errs)
	}
	if l.DiscountPercent != nil {
		lp.DiscountPercent = parseDecimal(*l.DiscountPercent, at+".discount_percent", errs)
	}
	return lp
}

// checkHeader checks the values of a draft edit's header: built-in fields by
// their type (as the workflow does), custom fields by their number, name and
// length (their types are the organization's, which the workflow checks).
func checkHeader(header map[string]string, errs *fieldErrors) {
	custom := 0
	for _, name := range slices.Sorted(maps.Keys(header)) {
		v := header[name]
		if t, ok := headerFields[name]; ok {
			if msg := conversion.ValidateValue(t, name, v); msg != "" {
				errs.add(name, "%s", msg)
			}
			continue
		}
		custom++
		switch field, _ := strings.CutPrefix(name, "custom."); {
		case custom > maxCustomValues:
			errs.add("custom", "at most %d custom fields in one edit", maxCustomValues)
			return
		case !customName.MatchString(field):
			errs.add(name, "not an editable order field")
		case len(v) > conversion.MaxTextLength:
			errs.add(name, "at most %d characters", conversion.MaxTextLength)
		}
	}
}

// customValue is a custom field's value as the draft keeps it: text; "" clears.
func customValue(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	default:
		return "", false
	}
}
