// Package demo holds the demo data that `crmconvert dev` seeds and the tests
// load: two organizations with users, custom fields, customers, products,
// opportunities and an order, in the data file format of SPEC 6.2. Its ids
// are fixed, so tests and demos can name what they use. README.md lists the
// users and what each is for.
package demo

import _ "embed"

// JSON is the demo data file. Read it, do not change it: it is shared.
//
//go:embed demo.json
var JSON []byte

// Data returns a copy of the demo data file.
func Data() []byte { return append([]byte(nil), JSON...) }

// Ids of the demo data that tests and demos refer to.
const (
	Acme   = "a0000000-0000-4000-8000-000000000001"
	Globex = "a0000000-0000-4000-8000-000000000002"

	Ada = "b0000000-0000-4000-8000-000000000001" // Acme admin, order:create and order:update
	Sam = "b0000000-0000-4000-8000-000000000002" // Acme member, both permissions, owns OPP-000001 to 4
	Mia = "b0000000-0000-4000-8000-000000000003" // Acme member, order:create only, owns nothing
	Vic = "b0000000-0000-4000-8000-000000000004" // Acme member without permissions
	Gus = "b0000000-0000-4000-8000-000000000011" // Globex admin, both permissions

	Initech  = "c0000000-0000-4000-8000-000000000001" // Acme customer
	Umbrella = "c0000000-0000-4000-8000-000000000002" // Acme customer
	Stark    = "c0000000-0000-4000-8000-000000000003" // Acme customer
	Soylent  = "c0000000-0000-4000-8000-000000000011" // Globex customer

	InitechRenewal    = "e0000000-0000-4000-8000-000000000001" // Acme OPP-000001: 3 items, custom values, EUR
	UmbrellaLab       = "e0000000-0000-4000-8000-000000000002" // Acme OPP-000002: 2 items, USD
	StarkPilot        = "e0000000-0000-4000-8000-000000000003" // Acme OPP-000003: no items
	InitechRefresh    = "e0000000-0000-4000-8000-000000000004" // Acme OPP-000004: won, 1 item
	StarkSupport      = "e0000000-0000-4000-8000-000000000005" // Acme OPP-000005: owned by Ada, 2 items
	SoylentSupply     = "e0000000-0000-4000-8000-000000000011" // Globex OPP-000001: 1 item
	RenewalWidgets    = "f0000000-0000-4000-8000-000000000001" // OPP-000001: 10 × WID-100 at 19.99, 10 % off, 19 % tax
	RenewalSupport    = "f0000000-0000-4000-8000-000000000002" // OPP-000001: 5 × SUP-300 at 95.00, 19 % tax
	RenewalCable      = "f0000000-0000-4000-8000-000000000003" // OPP-000001: 100 × CAB-500 at 2.35, 5 % off, 19 % tax
	SpareWidgetsOrder = "50000000-0000-4000-8000-000000000001" // Acme SO-2025-000042, no opportunity
)
