package main

// The configFiles mode: load PodSecurity configuration FILES the way the
// servers that read them do, and report what PSA would run with.
//
// stdin:  {"configFiles": ["/abs/path", ...]}
// stdout: {"configFiles": [{"error": "..."} | {"defaults": {...}, "exemptions": {...}}]}
//
// A file whose apiVersion group is pod-security.admission.config.k8s.io is read
// as the pod-security-webhook reads its --config (cmd/webhook/server: load.LoadFromFile,
// then "configuration error: "/"invalid configuration: " around
// CompleteConfiguration/ValidateConfiguration). kube-apiserver itself never
// accepts a bare PodSecurityConfiguration as --admission-control-config-file
// (its config scheme does not know the group: "no kind ... is registered").
//
// Every other file is read as kube-apiserver reads --admission-control-config-file:
// admission.ReadAdmissionConfiguration with the config scheme of
// k8s.io/apiserver/pkg/server/options (apiserver.k8s.io/v1alpha1 and
// apiserver.config.k8s.io/v1), ConfigFor("PodSecurity") (a nil reader when there
// is no entry, which LoadFromReader turns into the default configuration), then
// the in-tree plugin: load.LoadFromReader, and "PodSecurity configuration error: "/
// "PodSecurity invalid: " around CompleteConfiguration/ValidateConfiguration
// (kubernetes plugin/pkg/admission/security/podsecurity ValidateInitialization).
// GetAdmissionPluginConfigurationFor calls klog.Fatalf when a plugin path: cannot
// be read (kube-apiserver exits); that exit is caught and its message reported.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/apiserver/pkg/admission"
	apiserverapi "k8s.io/apiserver/pkg/apis/apiserver"
	apiserverapiv1 "k8s.io/apiserver/pkg/apis/apiserver/v1"
	apiserverapiv1alpha1 "k8s.io/apiserver/pkg/apis/apiserver/v1alpha1"
	"k8s.io/klog/v2"
	psadmission "k8s.io/pod-security-admission/admission"
	admissionapi "k8s.io/pod-security-admission/admission/api"
	"k8s.io/pod-security-admission/admission/api/load"
	"k8s.io/pod-security-admission/policy"
)

// kube-apiserver's admission config scheme (k8s.io/apiserver/pkg/server/options/admission.go).
var configScheme = runtime.NewScheme()

func init() {
	utilruntime.Must(apiserverapi.AddToScheme(configScheme))
	utilruntime.Must(apiserverapiv1alpha1.AddToScheme(configScheme))
	utilruntime.Must(apiserverapiv1.AddToScheme(configScheme))
}

type modeDefault struct {
	Level   string `json:"level"`
	Version string `json:"version"`
}

type configFileResult struct {
	Error      string                 `json:"error,omitempty"`
	Defaults   map[string]modeDefault `json:"defaults,omitempty"`
	Exemptions map[string][]string    `json:"exemptions,omitempty"`
}

func runConfigFiles(files []string) error {
	results := make([]configFileResult, len(files))
	for i, file := range files {
		cfg, err := loadConfigFile(file)
		if err != nil {
			results[i] = configFileResult{Error: err.Error()}
			continue
		}
		list := func(s []string) []string {
			if s == nil {
				return []string{}
			}
			return s
		}
		results[i] = configFileResult{
			Defaults: map[string]modeDefault{
				"enforce": {cfg.Defaults.Enforce, cfg.Defaults.EnforceVersion},
				"warn":    {cfg.Defaults.Warn, cfg.Defaults.WarnVersion},
				"audit":   {cfg.Defaults.Audit, cfg.Defaults.AuditVersion},
			},
			Exemptions: map[string][]string{
				"namespaces":     list(cfg.Exemptions.Namespaces),
				"usernames":      list(cfg.Exemptions.Usernames),
				"runtimeClasses": list(cfg.Exemptions.RuntimeClasses),
			},
		}
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	return json.NewEncoder(out).Encode(map[string]any{"configFiles": results})
}

const psaConfigGroup = "pod-security.admission.config.k8s.io"

// isPodSecurityConfiguration peeks at the apiVersion group; anything unreadable
// goes to kube-apiserver's reader, which reports it.
func isPodSecurityConfiguration(file string) bool {
	data, err := os.ReadFile(file)
	if err != nil {
		return false
	}
	js, err := yaml.ToJSON(data)
	if err != nil {
		return false
	}
	var tm metav1.TypeMeta
	if json.Unmarshal(js, &tm) != nil {
		return false
	}
	return strings.HasPrefix(tm.APIVersion, psaConfigGroup+"/")
}

func loadConfigFile(file string) (*admissionapi.PodSecurityConfiguration, error) {
	if isPodSecurityConfiguration(file) {
		cfg, err := load.LoadFromFile(file)
		if err != nil {
			return nil, err
		}
		if err := completeAndValidate(cfg, "configuration error: ", "invalid configuration: "); err != nil {
			return nil, err
		}
		return cfg, nil
	}
	provider, err := admission.ReadAdmissionConfiguration([]string{"PodSecurity"}, file, configScheme)
	if err != nil {
		return nil, err
	}
	reader, err := configFor(provider)
	if err != nil {
		return nil, err
	}
	// no PodSecurity entry (or one with neither configuration nor path): a nil
	// reader, which Plugins.getPlugin passes on and LoadFromReader turns into defaults
	cfg, err := load.LoadFromReader(reader)
	if err != nil {
		return nil, err
	}
	if err := completeAndValidate(cfg, "PodSecurity configuration error: ", "PodSecurity invalid: "); err != nil {
		return nil, err
	}
	return cfg, nil
}

type klogExit struct{}

// configFor runs ConfigFor("PodSecurity"), turning klog.Fatalf (an unreadable
// plugin path:) into an error carrying the fatal message.
func configFor(provider admission.ConfigProvider) (reader io.Reader, err error) {
	sink := &lastMessage{}
	klog.SetLogger(logr.New(sink))
	saved := klog.OsExit
	klog.OsExit = func(int) { panic(klogExit{}) }
	defer func() {
		klog.OsExit = saved
		klog.SetLogger(logr.Discard())
		if r := recover(); r != nil {
			if _, ok := r.(klogExit); !ok {
				panic(r)
			}
			reader, err = nil, fmt.Errorf("%s", strings.TrimSpace(sink.msg))
		}
	}()
	r, err := provider.ConfigFor("PodSecurity")
	if err != nil || r == nil {
		return nil, err
	}
	return r, nil
}

// completeAndValidate as the PSA servers do before serving.
func completeAndValidate(cfg *admissionapi.PodSecurityConfiguration, completePrefix, validatePrefix string) error {
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		return err
	}
	a := &psadmission.Admission{
		Configuration:    cfg,
		Evaluator:        evaluator,
		Metrics:          noopRecorder{},
		PodSpecExtractor: psadmission.DefaultPodSpecExtractor{},
		NamespaceGetter:  &namespaceGetter{},
		PodLister:        noPods{},
	}
	if err := a.CompleteConfiguration(); err != nil {
		return fmt.Errorf("%s%w", completePrefix, err)
	}
	if err := a.ValidateConfiguration(); err != nil {
		return fmt.Errorf("%s%w", validatePrefix, err)
	}
	return nil
}

// lastMessage is a logr sink keeping the last message klog routed to it.
type lastMessage struct{ msg string }

func (s *lastMessage) Init(logr.RuntimeInfo)               {}
func (s *lastMessage) Enabled(int) bool                    { return true }
func (s *lastMessage) Info(_ int, msg string, _ ...any)    { s.msg = msg }
func (s *lastMessage) Error(_ error, msg string, _ ...any) { s.msg = msg }
func (s *lastMessage) WithValues(...any) logr.LogSink      { return s }
func (s *lastMessage) WithName(string) logr.LogSink        { return s }
