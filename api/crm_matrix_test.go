package api

import (
	"net/http"

	"github.com/crmconvert/crmconvert/crm/demo"
)

// The security matrix's rows of the CRM routes (search, orders, change
// logs, linking an order), appended to api/matrix_test.go's matrix.
func init() {
	const (
		ok = http.StatusOK
		no = http.StatusForbidden
		nf = http.StatusNotFound
	)
	opp := "/v1/opportunities/" + demo.InitechRenewal
	order := "/v1/orders/" + demo.SpareWidgetsOrder
	matrix = append(matrix,
		matrixRow{method: "GET", route: "/v1/opportunities", path: "/v1/opportunities?q=initech", want: users{ok, ok, ok, ok, ok, ok}},
		matrixRow{method: "GET", route: "/v1/opportunities/:id/changes", path: opp + "/changes", want: users{nf, nf, ok, ok, ok, ok}},
		matrixRow{method: "GET", route: "/v1/orders", path: "/v1/orders?opportunity_id=" + demo.InitechRenewal, want: users{nf, nf, ok, ok, ok, ok}},
		matrixRow{method: "GET", route: "/v1/orders/:id/changes", path: order + "/changes", want: users{nf, nf, ok, ok, ok, ok}},
		// order:update links (Mia has order:create only); the admin's repeat changes nothing
		matrixRow{method: "PUT", route: "/v1/orders/:id/opportunity", path: order + "/opportunity",
			body: map[string]any{"opportunity_id": demo.UmbrellaLab, "close_opportunity": false}, want: users{nf, nf, no, no, ok, ok}},
		// closing OPP-000005 is for Ada, its owner and an admin, alone: Sam is refused and nothing changes
		matrixRow{method: "PUT", route: "/v1/orders/:id/opportunity", path: order + "/opportunity",
			body: map[string]any{"opportunity_id": demo.StarkSupport, "close_opportunity": true}, want: users{nf, nf, no, no, no, ok}},
	)
}
