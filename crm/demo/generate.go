package demo

import (
	"fmt"

	"github.com/google/uuid"

	"github.com/crmconvert/crmconvert/crm"
)

// Generated describes data made up in bulk, for load tests and benchmarks.
type Generated struct {
	// Organization is the name of the one organization made; its id is
	// derived from the name, so the same name gives the same ids.
	Organization string
	// Users is how many members with order:create and order:update.
	Users int
	// OpportunitiesPerUser is how many open opportunities each user owns.
	OpportunitiesPerUser int
	// ItemsPerOpportunity is how many items each opportunity has (at least 1).
	ItemsPerOpportunity int
}

// Generate makes the data in the data file format: one organization, its
// users (user-N@<org>.test), a customer and a product, and opportunities
// numbered OPP-000001 onwards, each item of quantity 10 at 9.99 with 19 %
// tax. Ids are deterministic, so generating twice and seeding twice changes
// nothing.
func Generate(g Generated) *crm.SeedData {
	if g.ItemsPerOpportunity < 1 {
		g.ItemsPerOpportunity = 1
	}
	ns := uuid.NewSHA1(uuid.NameSpaceURL, []byte("crmconvert-generated:"+g.Organization))
	id := func(kind string, n int) string { return uuid.NewSHA1(ns, fmt.Appendf(nil, "%s-%d", kind, n)).String() }
	org := id("organization", 0)
	d := &crm.SeedData{
		Organizations: []crm.SeedOrganization{{ID: org, Name: g.Organization}},
		Customers:     []crm.SeedCustomer{{ID: id("customer", 0), OrganizationID: org, Name: g.Organization + " customer"}},
		Products:      []crm.SeedProduct{{ID: id("product", 0), OrganizationID: org, SKU: "GEN-1", Name: "Generated product", Unit: "pcs", Price: "9.99"}},
	}
	n := 0
	for u := range g.Users {
		user := crm.SeedUser{
			ID: id("user", u), OrganizationID: org, Name: fmt.Sprintf("User %d", u+1),
			Email: fmt.Sprintf("user-%d@%s.test", u+1, uuid.NewSHA1(ns, []byte("domain")).String()[:8]),
			Role:  crm.RoleMember, Permissions: []string{crm.PermOrderCreate, crm.PermOrderUpdate},
		}
		d.Users = append(d.Users, user)
		for range g.OpportunitiesPerUser {
			n++
			opp := crm.SeedOpportunity{
				ID: id("opportunity", n), OrganizationID: org, Number: fmt.Sprintf("OPP-%06d", n),
				Name: fmt.Sprintf("Generated deal %d", n), CustomerID: d.Customers[0].ID, OwnerID: user.ID,
				Currency: "EUR", Amount: "99.90", PaymentTerms: "30 days",
			}
			for i := range g.ItemsPerOpportunity {
				opp.Items = append(opp.Items, crm.SeedItem{
					ID: id(fmt.Sprintf("item-%d", n), i), ProductID: d.Products[0].ID,
					Description: "Generated item", Quantity: "10", UnitPrice: "9.99", TaxRate: "19",
				})
			}
			d.Opportunities = append(d.Opportunities, opp)
		}
	}
	return d
}
