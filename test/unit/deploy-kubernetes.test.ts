import { expect } from 'chai';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/load';
import { validateObject, validateObjects } from '../../scripts/deploy/k8s-validate';
import { unknownFields } from '../../scripts/deploy/k8s-strict';
import { parseYamlStream, readRepoText, REPO_ROOT, repoPath } from '../../scripts/deploy/repo-files';

// Offline checks of deploy/kubernetes that need no kustomize: every complete object
// in the folder against its official schema, patches against their field lists,
// and the operational rules (probes, grace period, security, one autoscaler per
// overlay). `npm run deploy:check` (in .ci/run) renders the overlays with kustomize
// and validates the result with the same validator.

/* eslint-disable @typescript-eslint/no-explicit-any -- YAML objects are walked by key */
type Obj = Record<string, any>;
interface Kustomization {
  resources?: string[];
  patches?: { path: string }[];
  configMapGenerator?: { name: string; files?: string[]; literals?: string[]; behavior?: string }[];
}
const K8S = ['deploy', 'kubernetes'];
const yamlDocs = (...parts: string[]): Obj[] => parseYamlStream(readRepoText(...K8S, ...parts), parts.join('/')) as Obj[];
const kustomization = (dir: string): Kustomization => yamlDocs(dir, 'kustomization.yaml')[0] as Kustomization;
const overlays = readdirSync(repoPath(...K8S, 'overlays')).sort();
const clone = <T>(v: T): T => structuredClone(v);

/** Resource files of a kustomization (not directories), with their objects. */
function resources(dir: string): Obj[] {
  return (kustomization(dir).resources ?? []).filter((r) => r.endsWith('.yaml')).flatMap((r) => yamlDocs(dir, r));
}
const deployment = (): Obj => resources('base').find((o) => o.kind === 'Deployment')!;
const container = (d: Obj): Obj => d.spec.template.spec.containers[0];
const literals = (dir: string, name: string): Record<string, string> => Object.fromEntries(
  (kustomization(dir).configMapGenerator ?? []).filter((g) => g.name === name)
    .flatMap((g) => g.literals ?? []).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);

describe('deploy/kubernetes: objects against the official schemas', () => {
  it('every object of the base, the overlays and the examples is valid', () => {
    const all = [
      ...resources('base'),
      ...overlays.flatMap((o) => resources(`overlays/${o}`)),
      ...readdirSync(repoPath(...K8S, 'examples')).flatMap((f) => yamlDocs('examples', f)),
    ];
    expect(all.length).to.be.greaterThan(8);
    expect(validateObjects(all)).to.deep.equal([]);
  });

  it('every patch names only fields its kind declares', () => {
    for (const o of overlays) {
      for (const p of kustomization(`overlays/${o}`).patches ?? []) {
        for (const obj of yamlDocs(`overlays/${o}`, p.path)) {
          expect(unknownFields(`${obj.apiVersion}/${obj.kind}`, obj), `${o}/${p.path}`).to.deep.equal([]);
        }
      }
    }
  });

  describe('a broken copy of the Deployment is refused', () => {
    const cases: [string, (d: Obj) => void, RegExp][] = [
      ['a negative replica count', (d) => { d.spec.replicas = -1; }, /spec\.replicas: -1 is negative/],
      ['a misspelled field', (d) => { container(d).livenessprobe = container(d).livenessProbe; delete container(d).livenessProbe; }, /containers\[0\]\.livenessprobe: field not in the schema/],
      ['a misspelled top-level spec field', (d) => { d.spec.replica = 2; }, /spec\.replica: field not in the schema/],
      ['a string where an integer belongs', (d) => { d.spec.template.spec.terminationGracePeriodSeconds = '40s'; }, /terminationGracePeriodSeconds must be integer/],
      ['a missing required field', (d) => { delete d.spec.selector; }, /data\/spec must have required property selector/],
      ['a selector that does not match the pod labels', (d) => { d.spec.selector.matchLabels = { app: 'other' }; }, /does not match spec\.template\.metadata\.labels/],
    ];
    for (const [what, mutate, expected] of cases) {
      it(what, () => {
        const broken = clone(deployment());
        mutate(broken);
        const problems = validateObject(broken);
        expect(problems.join('\n')).to.match(expected);
        expect(validateObject(deployment())).to.deep.equal([]);
      });
    }

    it('an unknown kind and a broken KEDA object', () => {
      expect(validateObject({ apiVersion: 'v1', kind: 'Pdo', metadata: { name: 'x' } })[0]).to.match(/no schema known/);
      const so = clone(resources('overlays/prod').find((o) => o.kind === 'ScaledObject')!);
      so.spec.maxReplicaCount = 1;
      so.spec.triggers[0].metadatas = so.spec.triggers[0].metadata;
      expect(validateObject(so).join('\n')).to.match(/minReplicaCount 2 > spec\.maxReplicaCount 1/).and.match(/triggers\[0\]\.metadatas: field not in the schema/);
    });
  });
});

describe('deploy/kubernetes: operational rules', () => {
  it('terminationGracePeriodSeconds is above the drain deadline the pod runs with (and leaves time to commit and leave)', () => {
    const d = deployment();
    const env: Record<string, string> = { ...literals('base', 'wsqc-env') };
    for (const e of container(d).env as { name: string; value?: string }[]) {
      // *_FILE paths exist only in the pod; the rest is the configuration the pod loads.
      if (e.value !== undefined && !e.name.endsWith('_FILE')) env[e.name] = e.value;
    }
    const config = loadConfig({ argv: ['--config', 'config/production.json'], env, cwd: REPO_ROOT });
    const graceMs = d.spec.template.spec.terminationGracePeriodSeconds * 1000;
    expect(config.shutdown.drainTimeoutMs).to.equal(25_000);
    expect(graceMs).to.be.greaterThan(config.shutdown.drainTimeoutMs + 10_000);
    expect(container(d).ports[0].containerPort).to.equal(config.http.port);
  });

  it('probes: startup and liveness on /healthz/live, readiness on /healthz/ready, on the http port', () => {
    const c = container(deployment());
    expect(c.startupProbe.httpGet).to.deep.equal({ path: '/healthz/live', port: 'http' });
    expect(c.livenessProbe.httpGet).to.deep.equal({ path: '/healthz/live', port: 'http' });
    expect(c.readinessProbe.httpGet).to.deep.equal({ path: '/healthz/ready', port: 'http' });
    expect(c.ports.map((p: Obj) => p.name)).to.include('http');
    // The health checks time out after 5 s; the probe must wait longer than that.
    expect(c.livenessProbe.timeoutSeconds).to.be.greaterThan(5);
    expect(c.resources.requests).to.have.keys('cpu', 'memory');
    expect(c.resources.limits).to.have.keys('cpu', 'memory');
  });

  it('non-root, read-only root filesystem, no privilege escalation, no capabilities, RuntimeDefault seccomp, /tmp on an emptyDir', () => {
    const pod = deployment().spec.template.spec;
    const c = container(deployment());
    expect(pod.securityContext.runAsNonRoot).to.equal(true);
    expect(pod.securityContext.runAsUser).to.be.greaterThan(0);
    expect(pod.securityContext.seccompProfile).to.deep.equal({ type: 'RuntimeDefault' });
    expect(c.securityContext).to.include({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false });
    expect(c.securityContext.capabilities.drop).to.deep.equal(['ALL']);
    const tmp = c.volumeMounts.find((m: Obj) => m.mountPath === '/tmp');
    expect(pod.volumes.find((v: Obj) => v.name === tmp.name).emptyDir).to.be.an('object');
  });

  it('secrets only by reference: passwords through *_FILE from a mounted Secret, no Secret object outside examples/', () => {
    const c = container(deployment());
    const names = (c.env as { name: string; value?: string; valueFrom?: unknown }[]);
    for (const n of names.filter((e) => /PASSWORD|SECRET/.test(e.name))) {
      expect(n.name, 'secret values come from files').to.match(/_FILE$/);
      expect(n.value).to.match(/^\/etc\/wsqc\/tls\//);
    }
    const tls = deployment().spec.template.spec.volumes.find((v: Obj) => v.secret !== undefined);
    expect(tls.secret.secretName).to.equal('wsqc-kafka-tls');
    const rendered = [...resources('base'), ...overlays.flatMap((o) => resources(`overlays/${o}`))];
    expect(rendered.filter((o) => o.kind === 'Secret')).to.deep.equal([]);
    for (const f of readdirSync(repoPath(...K8S, 'examples'))) {
      for (const s of yamlDocs('examples', f)) {
        for (const [k, v] of Object.entries(s.stringData ?? {})) {
          expect(String(v), `${f} ${k} is a placeholder`).to.match(/^<.*>$|^enable$/);
        }
        expect(s.data, `${f} has no data`).to.equal(undefined);
      }
    }
  });

  it('the ConfigMap is generated from config/production.json itself', () => {
    const gen = kustomization('base').configMapGenerator!.find((g) => g.name === 'wsqc-config')!;
    const [key, file] = gen.files![0].split('=');
    expect(key).to.equal('production.json');
    expect(path.resolve(repoPath(...K8S, 'base'), file)).to.equal(repoPath('config', 'production.json'));
    expect(existsSync(repoPath('config', 'production.json'))).to.equal(true);
    expect(container(deployment()).command).to.include('/etc/wsqc/config/production.json');
  });

  it('each overlay has exactly one autoscaler: dev an HPA, prod a KEDA ScaledObject capped at the partition count', () => {
    const kinds = (o: string): string[] => resources(`overlays/${o}`).map((x) => x.kind);
    expect(overlays).to.deep.equal(['dev', 'prod']);
    expect(kinds('dev')).to.include('HorizontalPodAutoscaler').and.not.include('ScaledObject');
    expect(kinds('prod')).to.include('ScaledObject').and.not.include('HorizontalPodAutoscaler');
    expect(resources('base').map((x) => x.kind)).to.not.include.members(['HorizontalPodAutoscaler', 'ScaledObject']);
    const so = resources('overlays/prod').find((o) => o.kind === 'ScaledObject')!;
    const partitions = Number(so.metadata.annotations['wifi-scan-queue-consumer/topic-partitions']);
    expect(so.spec.maxReplicaCount).to.be.at.most(partitions);
    expect(so.spec.scaleTargetRef.name).to.equal(deployment().metadata.name);
    const trigger = so.spec.triggers[0];
    expect(trigger.type).to.equal('kafka');
    expect(trigger.metadata.allowIdleConsumers).to.equal('false');
    expect(trigger.metadata.consumerGroup).to.equal(literals('base', 'wsqc-env').KAFKA_GROUP_ID);
    const hpa = resources('overlays/dev').find((o) => o.kind === 'HorizontalPodAutoscaler')!;
    expect(hpa.spec.scaleTargetRef).to.include({ kind: 'Deployment', name: deployment().metadata.name });
  });

  it('a ServiceMonitor scrapes /metrics on the http port with job = the name the alerts use', () => {
    const sm = resources('base').find((o) => o.kind === 'ServiceMonitor')!;
    expect(sm.spec.endpoints[0]).to.include({ port: 'http', path: '/metrics' });
    expect(sm.spec.jobLabel).to.equal('app.kubernetes.io/name');
    expect(readRepoText('deploy', 'prometheus', 'alerts.yml')).to.include('up{job="wifi-scan-queue-consumer"}');
  });
});
