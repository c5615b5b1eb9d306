package api

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/crmconvert/crmconvert/conversion"
)

// What one request may carry. The workflow's validators check the rules of
// each step; these bounds are checked first, by the API, so that an
// oversized request is refused (422, naming the field) before anything is
// sent to Temporal, and an Update's payload stays small. The body itself is
// at most maxBodyBytes.
const (
	// maxMappingPairs bounds a mapping: every order field at most once, and
	// an organization has far fewer custom order fields than this.
	maxMappingPairs = 500
	// maxFieldNameLength bounds a field name in a mapping ("opportunity.custom.region").
	maxFieldNameLength = 200
	// maxCustomValues bounds the custom fields of one draft edit.
	maxCustomValues = 200
	// maxIDLength bounds an id in a body (ids are UUIDs: 36 characters).
	maxIDLength = 64
	// maxDecimalLength bounds a decimal amount sent as a string: numeric(18,4)
	// has at most 19 characters, sign and point included.
	maxDecimalLength = 40
)

// customName is what a custom field may be called (as crm's data files require).
var customName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,99}$`)

// plainDecimal is a decimal amount as the API takes it: digits, a point and
// digits, an optional sign; no exponent.
var plainDecimal = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$`)

// checkedDecimal reads a decimal amount sent as a string and checks its
// form, range and scale (those of numeric(18,4)); a bad one is a field error
// and gives nil.
func checkedDecimal(s, field string, errs *fieldErrors) *decimal.Decimal {
	s = strings.TrimSpace(s)
	if len(s) > maxDecimalLength || !plainDecimal.MatchString(s) {
		errs.add(field, "must be a decimal number such as \"2\" or \"9.50\"")
		return nil
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		errs.add(field, "must be a decimal number such as \"2\" or \"9.50\"")
		return nil
	}
	if msg := conversion.ValidateValue(conversion.TypeNumber, field, d.String()); msg != "" {
		errs.add(field, "%s", msg)
		return nil
	}
	return &d
}

// checkItemID records a field error unless id can name an opportunity item.
func checkItemID(id, field string, errs *fieldErrors) {
	switch {
	case id == "":
		errs.add(field, "required")
	case len(id) > maxIDLength:
		errs.add(field, "not an item of this opportunity")
	}
}

// limits checks the bounds of a mapping; the workflow checks its rules.
func (r mappingRequest) limits() error {
	var errs fieldErrors
	if len(r.Mapping) > maxMappingPairs {
		errs.add("mapping", "at most %d pairs", maxMappingPairs)
		return typeInvalid.with("the mapping is not valid", errs...)
	}
	for i, p := range r.Mapping {
		at := "mapping[" + strconv.Itoa(i) + "]"
		if len(p.Source) > maxFieldNameLength {
			errs.add(at+".source", "at most %d characters", maxFieldNameLength)
		}
		if len(p.Target) > maxFieldNameLength {
			errs.add(at+".target", "at most %d characters", maxFieldNameLength)
		}
	}
	if len(errs) > 0 {
		return typeInvalid.with("the mapping is not valid", errs...)
	}
	return nil
}

// limits checks how many items are picked; picks checks each.
func (r itemsRequest) limits() error {
	if len(r.Items) > conversion.MaxLines {
		return typeInvalid.with("the selected items are not valid",
			conversion.FieldError{Field: "items", Message: "at most " + strconv.Itoa(conversion.MaxLines) + " items"})
	}
	return nil
}

// limiter is a request body with bounds of its own, checked once it is decoded.
type limiter interface{ limits() error }
