#!/usr/bin/env bash
# Builds the real engines the conformance tests run against, from the pinned Go
# modules under test/engines/, into an ignored cache. Rebuilds only when the
# module files or this script change. Prints the cache directory on success.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${PSS_ENGINE_CACHE:-$root/.cache/engines}
bin=$cache/bin
mkdir -p "$bin"
# one build at a time: test workers may call this concurrently
exec 9>"$cache/.lock"
flock 9

stamp=$(cat "$0" "$here"/core/go.mod "$here"/core/go.sum "$here"/core/oracle/*.go "$here"/core/vap/*.go "$here"/core/admission/*.go "$here"/kyverno/go.mod "$here"/kyverno/go.sum "$here"/kyverno/kustomize/*.go "$here"/kyverno/vpol/*.go "$here"/kyverno/cpol/*.go \
  "$here"/gator/go.mod "$here"/gator/go.sum "$here"/gator/review/*.go "$here"/regal/go.mod "$here"/regal/go.sum | sha256sum | cut -c1-16)
if [ -f "$cache/stamp" ] && [ "$(cat "$cache/stamp")" = "$stamp" ] \
   && [ -x "$bin/opa" ] && [ -x "$bin/oracle" ] && [ -x "$bin/vap" ] && [ -x "$bin/admission" ] && [ -x "$bin/kyverno" ] && [ -x "$bin/kustomize" ] && [ -x "$bin/kyverno-vpol" ] && [ -x "$bin/kyverno-cpol" ] && [ -x "$bin/gator" ] && [ -x "$bin/gatekeeper-review" ] && [ -x "$bin/regal" ] \
   && [ -f "$cache/corpus-dir" ] && [ -f "$cache/kyverno-module-dir" ] && [ -f "$cache/gatekeeper-framework-dir" ]; then
  echo "$cache"
  exit 0
fi

start=$(date +%s)
cd "$here/core"
go mod download >&2
echo "building opa, the reference oracle, the VAP evaluator and the admission oracle (first build takes a few minutes)..." >&2
go build -trimpath -buildvcs=false -o "$bin/opa.tmp" github.com/open-policy-agent/opa
go build -trimpath -buildvcs=false -o "$bin/oracle.tmp" ./oracle
go build -trimpath -buildvcs=false -o "$bin/vap.tmp" ./vap
go build -trimpath -buildvcs=false -o "$bin/admission.tmp" ./admission
mv "$bin/opa.tmp" "$bin/opa"
mv "$bin/oracle.tmp" "$bin/oracle"
mv "$bin/vap.tmp" "$bin/vap"
mv "$bin/admission.tmp" "$bin/admission"
# The fixture corpus ships inside the pinned module; read it in place.
go list -m -f '{{.Dir}}' k8s.io/pod-security-admission > "$cache/module-dir"
echo "$(cat "$cache/module-dir")/test/testdata" > "$cache/corpus-dir"
go list -m -f '{{.Version}}' k8s.io/pod-security-admission > "$cache/psa-version"
# The Kyverno CLI, from its own module (Kyverno's go.mod has a replace, so `go install pkg@v` refuses it).
echo "building the Kyverno CLI (a big build: the first one takes many minutes)..." >&2
(cd "$here/kyverno" && go build -trimpath -buildvcs=false -o "$bin/kyverno.tmp" github.com/kyverno/kyverno/cmd/cli/kubectl-kyverno)
mv "$bin/kyverno.tmp" "$bin/kyverno"
# kustomize's own build code, from the same module, to prove that bundles compose
(cd "$here/kyverno" && go build -trimpath -buildvcs=false -o "$bin/kustomize.tmp" ./kustomize)
mv "$bin/kustomize.tmp" "$bin/kustomize"
# Kyverno's ValidatingPolicy engine as its webhook runs it, compiled once per process (the CLI recompiles per resource)
(cd "$here/kyverno" && go build -trimpath -buildvcs=false -o "$bin/kyverno-vpol.tmp" ./vpol)
mv "$bin/kyverno-vpol.tmp" "$bin/kyverno-vpol"
# Kyverno's ClusterPolicy engine as its webhook runs it in a cluster, with a client serving Namespaces (namespace-label mode)
(cd "$here/kyverno" && go build -trimpath -buildvcs=false -o "$bin/kyverno-cpol.tmp" ./cpol)
mv "$bin/kyverno-cpol.tmp" "$bin/kyverno-cpol"
# Kyverno's CRDs, for the schema tests of the generated policies
(cd "$here/kyverno" && go list -m -f '{{.Dir}}' github.com/kyverno/kyverno) > "$cache/kyverno-module-dir"
# Gatekeeper's CLI, from its own module (pinned Gatekeeper tag; its dependency versions differ from core's).
echo "building gator (Gatekeeper's CLI; the first build takes a few minutes)..." >&2
(cd "$here/gator" && go build -trimpath -buildvcs=false -o "$bin/gator.tmp" github.com/open-policy-agent/gatekeeper/v3/cmd/gator)
mv "$bin/gator.tmp" "$bin/gator"
# Gatekeeper's client reviewing admission requests as its webhook does, with the request's Namespace (gator verify sends none)
(cd "$here/gator" && go build -trimpath -buildvcs=false -o "$bin/gatekeeper-review.tmp" ./review)
mv "$bin/gatekeeper-review.tmp" "$bin/gatekeeper-review"
# The ConstraintTemplate CRD ships in Gatekeeper's constraint framework module
(cd "$here/gator" && go list -m -f '{{.Dir}}' github.com/open-policy-agent/frameworks/constraint) > "$cache/gatekeeper-framework-dir"
# Regal, the Rego linter, from its own module (it embeds its own OPA), for the lint tests of the generated Rego
echo "building regal (the Rego linter)..." >&2
(cd "$here/regal" && go build -trimpath -buildvcs=false -o "$bin/regal.tmp" github.com/open-policy-agent/regal)
mv "$bin/regal.tmp" "$bin/regal"
echo "$stamp" > "$cache/stamp"
echo "engines built in $(( $(date +%s) - start ))s" >&2
echo "$cache"
