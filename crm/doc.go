// Package crm is the CRM's system of record in PostgreSQL, through bun:
// organizations, users, customers, products, opportunities, orders, field
// mapping preferences and the change log, with the queries and transactions
// the conversion and the API need.
package crm
