// Package deploy holds what runs crmconvert outside `crmconvert dev`: the
// scripts docker-compose.yml runs in Temporal's admin-tools image (temporal/),
// and the tests that check docker-compose.yml and the Dockerfile where no
// Docker engine runs. The tests load the compose file with the Compose
// specification's own Go loader and check what a reader would otherwise
// trust: services, pinned images, health checks, start order, and that the
// settings of every process agree with each other and with the code. They do
// not build or start containers.
package deploy
