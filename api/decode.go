package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"

	"github.com/crmconvert/crmconvert/conversion"
)

// readJSON reads the request body as one JSON value, with numbers kept as
// json.Number; nil for an empty body.
func readJSON(c *gin.Context) (any, error) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, err
		}
		return nil, typeMalformed.with("the body could not be read")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, typeMalformed.with("the body is not valid JSON: " + strings.TrimPrefix(err.Error(), "json: "))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, typeMalformed.with("the body holds more than one JSON value")
	}
	return v, nil
}

// decodeBody reads a JSON object into dst, a pointer to a struct. It refuses
// (400) malformed JSON, unknown fields and values of the wrong type, naming
// each field by its path ("items[0].quantity"); then, when dst has limits of
// its own, a body beyond them (422).
func decodeBody(c *gin.Context, dst any) error {
	v, err := readJSON(c)
	if err != nil {
		return err
	}
	if v == nil {
		return typeMalformed.with("the request needs a JSON body")
	}
	if err := decodeValue(v, dst); err != nil {
		return err
	}
	if l, ok := dst.(limiter); ok {
		return l.limits()
	}
	return nil
}

// decodeValue checks the shape of a value read by readJSON against dst's type,
// then decodes it into dst.
func decodeValue(v, dst any) error {
	if _, ok := v.(map[string]any); !ok && reflect.TypeOf(dst).Elem().Kind() == reflect.Struct {
		return typeMalformed.with("the body must be a JSON object, not " + jsonType(v))
	}
	var errs fieldErrors
	if err := convert(v, dst, "", &errs); err != nil {
		return err
	}
	if len(errs) > 0 {
		return typeMalformed.with("the body does not have the expected fields and types", errs...)
	}
	return nil
}

// convert decodes v, a value read by readJSON, into dst when its shape fits
// dst's type; otherwise it records what does not fit, under path.
func convert(v, dst any, path string, errs *fieldErrors) error {
	before := len(*errs)
	checkShape(v, reflect.TypeOf(dst).Elem(), path, errs)
	if len(*errs) > before {
		return nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("re-encode %s: %w", path, err)
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	return nil
}

// refuseBody answers 400 when a request that takes no body has one other than {}.
func refuseBody(c *gin.Context) error {
	v, err := readJSON(c)
	if err != nil || v == nil {
		return err
	}
	var none struct{}
	return decodeValue(v, &none)
}

// fieldErrors collects field-level problems of a request.
type fieldErrors []conversion.FieldError

func (fe *fieldErrors) add(field, format string, args ...any) {
	*fe = append(*fe, conversion.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// checkShape compares a decoded JSON value with the Go type it is meant for,
// and records each unknown field and each value of the wrong type. null is
// always accepted: the field keeps its zero value.
func checkShape(v any, t reflect.Type, path string, errs *fieldErrors) {
	if v == nil {
		return
	}
	want := ""
	switch t.Kind() {
	case reflect.Pointer:
		checkShape(v, t.Elem(), path, errs)
	case reflect.Interface:
	case reflect.String:
		if _, ok := v.(string); !ok {
			want = "a string"
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			want = "true or false"
		}
	case reflect.Int, reflect.Int64, reflect.Float64:
		if _, ok := v.(json.Number); !ok {
			want = "a number"
		}
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			want = "an array"
			break
		}
		for i, e := range arr {
			checkShape(e, t.Elem(), path+"["+strconv.Itoa(i)+"]", errs)
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			want = "an object"
			break
		}
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			checkShape(obj[k], t.Elem(), join(path, k), errs)
		}
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			want = "an object"
			break
		}
		fields := jsonFields(t)
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			ft, known := fields[k]
			if !known {
				errs.add(join(path, k), "unknown field")
				continue
			}
			checkShape(obj[k], ft, join(path, k), errs)
		}
	}
	if want != "" {
		errs.add(path, "must be %s, not %s", want, jsonType(v))
	}
}

// jsonFields maps the JSON names of a struct's fields to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := make(map[string]reflect.Type, t.NumField())
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields[name] = f.Type
	}
	return fields
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// jsonType names the JSON type of a decoded value.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case []any:
		return "an array"
	default:
		return "an object"
	}
}

// parseDecimal reads a decimal amount sent as a string: plain digits (no
// exponent), within the range and scale of numeric(18,4); a bad one is
// recorded as a field error and gives nil.
func parseDecimal(s, field string, errs *fieldErrors) *decimal.Decimal {
	return checkedDecimal(s, field, errs)
}
