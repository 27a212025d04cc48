package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/version"
	"k8s.io/apiserver/pkg/admission"
	plugincel "k8s.io/apiserver/pkg/admission/plugin/cel"
	"k8s.io/apiserver/pkg/admission/plugin/policy/generic"
	"k8s.io/apiserver/pkg/admission/plugin/policy/matching"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/admission/plugin/webhook/matchconditions"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/cel/environment"
	"k8s.io/client-go/kubernetes/scheme"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	sigsjson "sigs.k8s.io/json"
)

// filterRecorder passes ForInput through to the apiserver's ConditionEvaluator
// and keeps what went in and came out, so the cost is the apiserver's own
// budget arithmetic: budget handed in minus remaining budget handed back.
type filterRecorder struct {
	inner  plugincel.ConditionEvaluator
	called bool
	budget int64
	remain int64
	err    error
	evals  []plugincel.EvaluationResult
}

func (f *filterRecorder) ForInput(ctx context.Context, va *admission.VersionedAttributes, req *admissionv1.AdmissionRequest, vars plugincel.OptionalVariableBindings, ns *corev1.Namespace, budget int64) ([]plugincel.EvaluationResult, int64, error) {
	evals, remain, err := f.inner.ForInput(ctx, va, req, vars, ns, budget)
	f.called, f.budget, f.remain, f.err, f.evals = true, budget, remain, err, evals
	return evals, remain, err
}

func (f *filterRecorder) CompilationErrors() []error { return f.inner.CompilationErrors() }

func (f *filterRecorder) reset() {
	if f != nil {
		*f = filterRecorder{inner: f.inner}
	}
}

// spent returns the cost units consumed and whether the budget ran out (in
// which case the apiserver returns -1 and the spend is only known to exceed the
// budget; the budget is returned as a lower bound).
func (f *filterRecorder) spent() (int64, bool) {
	if f == nil || !f.called {
		return 0, false
	}
	if f.remain < 0 {
		return f.budget, true
	}
	return f.budget - f.remain, false
}

type matcherRecorder struct {
	inner  matchconditions.Matcher
	called bool
	result matchconditions.MatchResult
}

func (m *matcherRecorder) Match(ctx context.Context, va *admission.VersionedAttributes, params runtime.Object, authz authorizer.UnconditionalAuthorizer) matchconditions.MatchResult {
	r := m.inner.Match(ctx, va, params, authz)
	m.called, m.result = true, r
	return r
}

type recorders struct {
	validations, messages, auditAnnotations, matchConditions *filterRecorder
	matcher                                                  *matcherRecorder
}

func (r *recorders) reset() {
	r.validations.reset()
	r.messages.reset()
	r.auditAnnotations.reset()
	r.matchConditions.reset()
	if r.matcher != nil {
		*r.matcher = matcherRecorder{inner: r.matcher.inner}
	}
}

type decodedPod struct {
	pod      *corev1.Pod
	err      error
	warnings []string
}

type harness struct {
	policies   []*policy
	pods       []decodedPod
	namespaces cache.Indexer
	matcher    generic.PolicyMatcher
	objIfaces  admission.ObjectInterfaces
}

func newHarness(in input) (*harness, error) {
	compat, err := version.ParseGeneric(in.KubeVersion)
	if err != nil {
		return nil, fmt.Errorf("kubeVersion %q: %w", in.KubeVersion, err)
	}
	compat = version.MajorMinor(compat.Major(), compat.Minor())
	var evalEnv environment.Type
	switch in.EvalEnv {
	case "", "stored":
		evalEnv = environment.StoredExpressions
	case "new":
		evalEnv = environment.NewExpressions
	default:
		return nil, fmt.Errorf("evalEnv %q: want stored or new", in.EvalEnv)
	}
	h := &harness{
		namespaces: cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{}),
		objIfaces:  admission.NewObjectInterfacesFromScheme(scheme.Scheme),
	}
	for _, raw := range in.Policies {
		h.policies = append(h.policies, decodePolicy(raw, compat, evalEnv))
	}
	for _, raw := range in.Pods {
		h.pods = append(h.pods, decodePod(raw))
	}
	for i, raw := range in.Namespaces {
		var ns corev1.Namespace
		if _, err := sigsjson.UnmarshalStrict(raw, &ns, sigsjson.DisallowDuplicateFields); err != nil {
			return nil, fmt.Errorf("namespaces[%d]: %w", i, err)
		}
		if err := h.namespaces.Add(&ns); err != nil {
			return nil, err
		}
	}
	// The real matcher; every namespace a request names is in the lister (see
	// ensureNamespace), so the client fallback for lister misses is never used.
	h.matcher = generic.NewPolicyMatcher(matching.NewMatcher(corelisters.NewNamespaceLister(h.namespaces), nil))
	return h, nil
}

// decodePod decodes a pod the way the oracle (and the API server's JSON
// decoder) does: case-sensitive, unknown fields dropped. Strict-decoding
// findings (unknown or duplicate fields) are passed on as warnings.
func decodePod(raw json.RawMessage) decodedPod {
	var pod corev1.Pod
	strictErrs, err := sigsjson.UnmarshalStrict(raw, &pod, sigsjson.DisallowDuplicateFields, sigsjson.DisallowUnknownFields)
	if err != nil {
		return decodedPod{err: err}
	}
	var warnings []string
	for _, e := range strictErrs {
		warnings = append(warnings, e.Error())
	}
	// As converted to the v1 kind by the API server before validating admission.
	pod.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}
	return decodedPod{pod: &pod, warnings: warnings}
}

func (h *harness) ensureNamespace(name string) (*corev1.Namespace, error) {
	obj, ok, err := h.namespaces.GetByKey(name)
	if err != nil {
		return nil, err
	}
	if ok {
		return obj.(*corev1.Namespace), nil
	}
	// What the API server would hold for a namespace created without labels:
	// the kubernetes.io/metadata.name label is always set by the namespace strategy.
	ns := &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{corev1.LabelMetadataName: name}},
		Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceActive},
	}
	return ns, h.namespaces.Add(ns)
}

func (h *harness) pod(i int, what string) (decodedPod, error) {
	if i < 0 || i >= len(h.pods) {
		return decodedPod{}, fmt.Errorf("%s index %d out of range", what, i)
	}
	return h.pods[i], nil
}

func (h *harness) evaluate(r request) (result, error) {
	res := result{Decisions: []decision{}}
	if r.Policy < 0 || r.Policy >= len(h.policies) {
		return res, fmt.Errorf("policy index %d out of range", r.Policy)
	}
	p := h.policies[r.Policy]
	newPod, err := h.pod(r.Pod, "pod")
	if err != nil {
		return res, err
	}
	res.Warnings = newPod.warnings
	var op admission.Operation
	var opts runtime.Object
	switch r.Operation {
	case "CREATE":
		op, opts = admission.Create, &metav1.CreateOptions{TypeMeta: metav1.TypeMeta{APIVersion: "meta.k8s.io/v1", Kind: "CreateOptions"}}
	case "UPDATE":
		op, opts = admission.Update, &metav1.UpdateOptions{TypeMeta: metav1.TypeMeta{APIVersion: "meta.k8s.io/v1", Kind: "UpdateOptions"}}
	default:
		return res, fmt.Errorf("operation %q: want CREATE or UPDATE", r.Operation)
	}
	var old decodedPod
	if r.OldPod != nil && *r.OldPod >= 0 {
		if old, err = h.pod(*r.OldPod, "oldPod"); err != nil {
			return res, err
		}
		for _, w := range old.warnings {
			res.Warnings = append(res.Warnings, "oldPod: "+w)
		}
		if old.err != nil {
			res.Error = fmt.Sprintf("oldPod: %v", old.err)
			return res, nil
		}
	}
	oldPod := old.pod
	if op == admission.Update && oldPod == nil {
		return res, fmt.Errorf("UPDATE needs an oldPod")
	}
	if op == admission.Create && oldPod != nil {
		return res, fmt.Errorf("CREATE takes no oldPod")
	}
	if newPod.err != nil {
		res.Error = fmt.Sprintf("pod: %v", newPod.err)
		return res, nil
	}
	pod := newPod.pod
	if p.obj == nil {
		res.Error = "policy did not decode: " + strings.Join(p.report.SchemaErrors, "; ")
		return res, nil
	}
	namespace := "default"
	if r.Namespace != nil {
		namespace = *r.Namespace
	}
	if namespace == "" {
		return res, fmt.Errorf("pods are namespaced: namespace must not be empty")
	}
	// The API server fills an unset metadata.namespace from the request path.
	pod = pod.DeepCopy()
	if pod.Namespace == "" {
		pod.Namespace = namespace
	}
	var oldObj runtime.Object
	if oldPod != nil {
		oldPod = oldPod.DeepCopy()
		if oldPod.Namespace == "" {
			oldPod.Namespace = namespace
		}
		oldObj = oldPod
	}
	ns, err := h.ensureNamespace(namespace)
	if err != nil {
		return res, err
	}
	username := r.Username
	if username == "" {
		username = "alice"
	}
	groups := r.Groups
	if groups == nil {
		groups = []string{user.AllAuthenticated}
	}
	podGVK := corev1.SchemeGroupVersion.WithKind("Pod")
	podGVR := corev1.SchemeGroupVersion.WithResource("pods")
	attrs := admission.NewAttributesRecord(pod, oldObj, podGVK, namespace, pod.Name, podGVR, r.SubResource, op, opts, false,
		&user.DefaultInfo{Name: username, Groups: groups})

	// As the dispatcher: match the definition's matchConstraints first.
	matches, matchResource, matchKind, err := h.matcher.DefinitionMatches(attrs, h.objIfaces,
		validating.NewValidatingAdmissionPolicyAccessor(withMatchDefaults(p.obj)))
	if err != nil {
		// The dispatcher turns this into "failed to configure policy: ..." under failurePolicy.
		res.Error = fmt.Sprintf("matchConstraints: %v", err)
		return res, nil
	}
	if !matches {
		return res, nil
	}
	versionedAttr, err := admission.NewVersionedAttributes(attrs, matchKind, h.objIfaces)
	if err != nil {
		res.Error = fmt.Sprintf("failed to convert object version: %v", err)
		return res, nil
	}

	p.rec.reset()
	// No binding, params or authorizer: as a binding with validationActions
	// [Deny] and no paramRef would evaluate it. The authorizer variable is left
	// unbound, so expressions that use it fail at runtime.
	vr := p.validator.Validate(context.Background(), matchResource, versionedAttr, nil, ns, celconfig.RuntimeCELCostBudget, nil)

	rec := p.rec
	res.Matched = true
	if rec.matcher != nil && rec.matcher.called && rec.matcher.result.Error == nil && !rec.matcher.result.Matches {
		res.Matched = false
	}
	cd := &res.CostDetail
	var oob bool
	cd.Validations, oob = rec.validations.spent()
	cd.OutOfBudget = cd.OutOfBudget || oob
	cd.MessageExpressions, oob = rec.messages.spent()
	cd.OutOfBudget = cd.OutOfBudget || oob
	cd.MatchConditions, oob = rec.matchConditions.spent()
	cd.OutOfBudget = cd.OutOfBudget || oob
	cd.AuditAnnotations, oob = rec.auditAnnotations.spent()
	cd.OutOfBudget = cd.OutOfBudget || oob
	// validations and messageExpressions share the 10M RuntimeCELCostBudget
	// (the message filter is handed what the validations left).
	res.Cost = cd.Validations + cd.MessageExpressions

	perValidation := rec.validations != nil && rec.validations.called && rec.validations.err == nil && len(vr.Decisions) == len(p.obj.Spec.Validations)
	for i, d := range vr.Decisions {
		out := decision{Validation: i, Action: string(d.Evaluation), Effect: string(d.Action), Message: d.Message, Reason: string(d.Reason)}
		if !perValidation {
			out.Validation = -1
			res.Error = d.Message
		} else if rec.messages != nil && rec.messages.called && i < len(rec.messages.evals) && rec.messages.evals[i].Error != nil && d.Evaluation == validating.EvalDeny {
			out.MessageExpressionError = rec.messages.evals[i].Error.Error()
		}
		res.Decisions = append(res.Decisions, out)
	}
	for _, a := range vr.AuditAnnotations {
		if a.Key == "" && a.Action == "" {
			continue
		}
		res.AuditAnnotations = append(res.AuditAnnotations, auditAnnotation{Key: a.Key, Action: string(a.Action), Value: a.Value, Error: a.Error})
	}
	return res, nil
}

// withMatchDefaults applies the API server's defaulting for the fields the
// matcher reads (SetDefaults_MatchResources, as a policy read back from the API
// server would carry them): matchPolicy Equivalent, empty selectors match all.
func withMatchDefaults(p *admissionregistrationv1.ValidatingAdmissionPolicy) *admissionregistrationv1.ValidatingAdmissionPolicy {
	mc := p.Spec.MatchConstraints
	if mc == nil || (mc.MatchPolicy != nil && mc.NamespaceSelector != nil && mc.ObjectSelector != nil) {
		return p
	}
	p = p.DeepCopy()
	defaultMatchResources(p.Spec.MatchConstraints)
	return p
}
