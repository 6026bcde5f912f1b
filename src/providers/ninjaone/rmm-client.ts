import axios, { type AxiosInstance } from 'axios';
import { httpFailure } from '../../util/http-failure';
import { parseDuration } from '../../policy/parse-duration';
import { clientCredentialsTokens, useBearerTokens } from '../../util/client-credentials';
import type { CredgateError } from '../../util/errors';
import type { Logger } from '../../util/logger';
import type { NinjaoneProviderConfig } from './schema';

export interface RmmUser {
  id: number;
  uid: string;
  email?: string;
  userType?: string;
}
export interface RmmActivity {
  id: number;
  activityType?: string;
  statusCode?: string;
  activityResult?: 'SUCCESS' | 'FAILURE' | 'UNSUPPORTED' | 'UNCOMPLETED';
  sourceName?: string;
  message?: string;
}

/** One function per NinjaOne endpoint the provider calls (Public API 2.0, management and devices). */
export interface RmmClient {
  /** GET /v2/users?userType=TECHNICIAN */
  technicians(): Promise<RmmUser[]>;
  /** GET /v2/user/roles?roleType=TECHNICIAN: member ids of one role; null when there is no such role. */
  roleMembers(roleId: number): Promise<number[] | null>;
  /** PATCH /v2/user/role/{roleId}/add-members | remove-members */
  changeRoleMembers(roleId: number, change: 'add' | 'remove', userIds: number[]): Promise<void>;
  /** GET /v2/ticketing/ticket/{id}: the ticket's device (nodeId). */
  ticketDevice(ticketId: string): Promise<number | null>;
  /** GET /v2/devices: id and name of every device the client may see. */
  devices(): Promise<{ id: number; systemName?: string }[]>;
  /** GET /v2/automation/scripts */
  scripts(): Promise<{ id: number; name: string }[]>;
  /** POST /v2/device/{id}/script/run */
  runScript(deviceId: number, run: { id: number; parameters: string; runAs: string }): Promise<void>;
  /** GET /v2/device/{id}/activities: newest first, newer than an activity id when given. */
  activities(deviceId: number, newerThan?: number): Promise<{ lastNodeActivityId: number; activities: RmmActivity[] }>;
  /** GET /v2/device/{id}/custom-fields */
  customFields(deviceId: number): Promise<Record<string, unknown>>;
  /** PATCH /v2/device/{id}/custom-fields */
  setCustomFields(deviceId: number, values: Record<string, string | null>): Promise<void>;
}

const AUTH_HINT =
  "check the provider's clientId / clientSecret, its region, and that the API client has the monitoring, management and control scopes";

export function createRmmClient(
  id: string,
  config: NinjaoneProviderConfig,
  log: Logger,
  http?: AxiosInstance,
): RmmClient {
  const base = (config.baseUrl ?? `https://${config.region}.ninjarmm.com`).replace(/\/+$/, '');
  const timeoutMs = parseDuration(config.requestTimeout) ?? 15_000;
  const api =
    http ??
    axios.create({ baseURL: base, timeout: timeoutMs, maxRedirects: 0, headers: { Accept: 'application/json' } });
  if (!http)
    useBearerTokens(
      api,
      clientCredentialsTokens({
        system: `NinjaOne (provider "${id}")`,
        tokenUrl: `${base}/ws/oauth/token`,
        clientId: config.clientId,
        clientSecret: config.clientSecret,
        scope: 'monitoring management control',
        authHint: AUTH_HINT,
        timeoutMs,
        log,
      }),
      `NinjaOne (provider "${id}")`,
      AUTH_HINT,
    );
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw failure(id, what, err);
    }
  };
  const json = { headers: { 'Content-Type': 'application/json' } };
  const list = <T>(data: unknown): T[] => (Array.isArray(data) ? (data as T[]) : []);

  return {
    technicians: () =>
      call('GET users', async () =>
        list<RmmUser>((await api.get('/v2/users', { params: { userType: 'TECHNICIAN' } })).data),
      ),
    roleMembers: (roleId) =>
      call('GET user roles', async () => {
        const roles = list<{ id: number; members?: { id: number }[] }>(
          (await api.get('/v2/user/roles', { params: { roleType: 'TECHNICIAN' } })).data,
        );
        const role = roles.find((r) => r.id === roleId);
        return role ? (role.members ?? []).map((m) => m.id) : null;
      }),
    changeRoleMembers: (roleId, change, userIds) =>
      call(`PATCH role ${roleId} ${change}-members`, async () => {
        await api.patch(`/v2/user/role/${roleId}/${change}-members`, userIds, json);
      }),
    ticketDevice: (ticketId) =>
      call(`GET ticket ${ticketId}`, async () => {
        const t = (await api.get(`/v2/ticketing/ticket/${encodeURIComponent(ticketId)}`)).data as { nodeId?: number };
        return typeof t?.nodeId === 'number' ? t.nodeId : null;
      }),
    devices: () => call('GET devices', async () => list((await api.get('/v2/devices')).data)),
    scripts: () => call('GET automation scripts', async () => list((await api.get('/v2/automation/scripts')).data)),
    runScript: (deviceId, run) =>
      call(`POST run script ${run.id} on device ${deviceId}`, async () => {
        await api.post(`/v2/device/${deviceId}/script/run`, { type: 'SCRIPT', ...run }, json);
      }),
    activities: (deviceId, newerThan) =>
      call(`GET activities of device ${deviceId}`, async () => {
        const data = (
          await api.get(`/v2/device/${deviceId}/activities`, {
            params: { pageSize: 100, ...(newerThan !== undefined ? { newerThan } : {}) },
          })
        ).data as { lastNodeActivityId?: number; activities?: RmmActivity[] };
        return { lastNodeActivityId: data?.lastNodeActivityId ?? 0, activities: list<RmmActivity>(data?.activities) };
      }),
    customFields: (deviceId) =>
      call(`GET custom fields of device ${deviceId}`, async () => {
        const data = (await api.get(`/v2/device/${deviceId}/custom-fields`)).data;
        return data && typeof data === 'object' ? (data as Record<string, unknown>) : {};
      }),
    setCustomFields: (deviceId, values) =>
      call(`PATCH custom fields of device ${deviceId}`, async () => {
        await api.patch(`/v2/device/${deviceId}/custom-fields`, values, json);
      }),
  };
}

function failure(id: string, what: string, err: unknown): CredgateError {
  return httpFailure(err, {
    system: `NinjaOne (provider "${id}")`,
    what,
    detail: (data) => {
      const d = (data ?? {}) as { errorMessage?: unknown };
      return typeof d.errorMessage === 'string' ? d.errorMessage.slice(0, 300) : '';
    },
    authHint: AUTH_HINT,
  });
}
