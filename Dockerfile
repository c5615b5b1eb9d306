# One small static image for both `crmconvert api` and `crmconvert worker`.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/crmconvert ./cmd/crmconvert

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/crmconvert /crmconvert
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/crmconvert"]
CMD ["api"]
