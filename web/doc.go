// Package web holds the salesperson's pages: My conversions, Opportunities,
// the Convert to Order wizard (one view per step) and the Order page, as
// plain HTML, CSS and JavaScript modules embedded in the binary and served by
// the API process under /app/. The pages talk to the JSON API only, with
// fetch and the bearer token; nothing is fetched from anywhere else.
//
// The token comes from the CRM that opens the pages, in the URL fragment
// (/app/...#token=<JWT>): the page moves it to sessionStorage and removes it
// from the address at once. In `crmconvert dev` a sign-in page lets one pick
// a demo user instead; DevSignIn serves its two endpoints, which the API
// mounts only in dev mode.
package web
