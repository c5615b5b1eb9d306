package crm

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// date is a DATE column as "YYYY-MM-DD", the form dates take everywhere else
// in the service; "" is NULL.
type date string

// Scan reads a DATE column (pgx gives a time.Time) or text.
func (d *date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = ""
	case time.Time:
		*d = date(v.Format(time.DateOnly))
	case string:
		*d = date(v)
	case []byte:
		*d = date(v)
	default:
		return fmt.Errorf("scan %T into a date", src)
	}
	return nil
}

// Value writes the date as text, which PostgreSQL casts to the column's DATE.
func (d date) Value() (driver.Value, error) {
	if d == "" {
		return nil, nil
	}
	return string(d), nil
}

// validDate reports whether s is a date as YYYY-MM-DD.
func validDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}
