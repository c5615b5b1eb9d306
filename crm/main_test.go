package crm_test

import (
	"testing"

	"github.com/crmconvert/crmconvert/crm/crmtest"
)

func TestMain(m *testing.M) { crmtest.Main(m) }
