// Command vpol evaluates Kyverno ValidatingPolicies on admission requests with
// Kyverno's own engine, as its admission webhook does: the policies are
// compiled once (vpolengine.NewProvider), and every AdmissionRequest goes
// through celengine.RequestFromAdmission and the engine's Handle, with the
// case's Namespaces as the engine's namespace resolver (namespaceObject). The
// Kyverno CLI runs the same engine but compiles every policy again for every
// resource, gives it no subresource, and sends oldObject = object on UPDATE.
//
// stdin:  {"policies": [ValidatingPolicy], "namespaces": [Namespace], "requests": [AdmissionRequest]}
// stdout: {"results": [{"policies": [{"name", "rules": [{"status", "message", "properties"}]}], "error"?}]}
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"

	policiesv1beta1 "github.com/kyverno/api/api/policies.kyverno.io/v1beta1"
	celengine "github.com/kyverno/kyverno/pkg/cel/engine"
	"github.com/kyverno/kyverno/pkg/cel/libs"
	"github.com/kyverno/kyverno/pkg/cel/matching"
	vpolcompiler "github.com/kyverno/kyverno/pkg/cel/policies/vpol/compiler"
	vpolengine "github.com/kyverno/kyverno/pkg/cel/policies/vpol/engine"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
)

type input struct {
	Policies   []json.RawMessage  `json:"policies"`
	Namespaces []corev1.Namespace `json:"namespaces"`
	Requests   []json.RawMessage  `json:"requests"`
}

type rule struct {
	Status     string            `json:"status"`
	Message    string            `json:"message,omitempty"`
	Properties map[string]string `json:"properties,omitempty"`
}

type policyResult struct {
	Name  string `json:"name"`
	Rules []rule `json:"rules"`
}

type result struct {
	Policies []policyResult `json:"policies"`
	Error    string         `json:"error,omitempty"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run() error {
	var in input
	if err := json.NewDecoder(bufio.NewReader(os.Stdin)).Decode(&in); err != nil {
		return fmt.Errorf("reading input: %w", err)
	}
	policies := make([]policiesv1beta1.ValidatingPolicyLike, 0, len(in.Policies))
	for i, raw := range in.Policies {
		// policies.kyverno.io/v1 decodes into the v1beta1 type, as the CLI's loader converts it
		// strictly: a field the type does not know would be pruned by the API server, unseen
		var p policiesv1beta1.ValidatingPolicy
		decoder := json.NewDecoder(bytes.NewReader(raw))
		decoder.DisallowUnknownFields()
		if err := decoder.Decode(&p); err != nil {
			return fmt.Errorf("policy %d: %w", i, err)
		}
		policies = append(policies, &p)
	}
	provider, err := vpolengine.NewProvider(vpolcompiler.NewCompiler(), policies, nil)
	if err != nil {
		return err
	}
	namespaces := map[string]*corev1.Namespace{}
	for i := range in.Namespaces {
		namespaces[in.Namespaces[i].Name] = &in.Namespaces[i]
	}
	// as the webhook's resolver: a namespace it cannot find is null to the CEL
	resolve := func(name string) *corev1.Namespace { return namespaces[name] }
	engine := vpolengine.NewEngine(provider, resolve, matching.NewMatcher())
	contextProvider := libs.NewFakeContextProvider()
	out := struct {
		Results []result `json:"results"`
	}{Results: make([]result, len(in.Requests))}
	for i, raw := range in.Requests {
		var request admissionv1.AdmissionRequest
		if err := json.Unmarshal(raw, &request); err != nil {
			out.Results[i] = result{Error: fmt.Sprintf("decoding request: %v", err)}
			continue
		}
		response, err := engine.Handle(context.Background(), celengine.RequestFromAdmission(contextProvider, request), nil)
		if err != nil {
			out.Results[i] = result{Error: err.Error()}
			continue
		}
		r := result{Policies: []policyResult{}}
		for _, p := range response.Policies {
			pr := policyResult{Name: p.Policy.GetName(), Rules: []rule{}}
			for j := range p.Rules {
				pr.Rules = append(pr.Rules, rule{Status: string(p.Rules[j].Status()), Message: p.Rules[j].Message(), Properties: p.Rules[j].Properties()})
			}
			r.Policies = append(r.Policies, pr)
		}
		out.Results[i] = r
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}
