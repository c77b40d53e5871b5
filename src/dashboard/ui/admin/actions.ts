/** The admin calls (they carry the stored admin key); each refreshes the cluster view after. */
import { sendJson } from "../api/http.js";
import { refreshCluster } from "../state/cluster.js";

export async function setDrained(
  node: string,
  drained: boolean,
): Promise<{ node: string; drained: boolean }> {
  const action = drained ? "drain" : "undrain";
  try {
    return await sendJson(`/v1/hydra/admin/nodes/${encodeURIComponent(node)}/${action}`, {
      method: "POST",
      admin: true,
    });
  } finally {
    void refreshCluster();
  }
}

export async function setStrategy(strategy: string): Promise<{ strategy: string }> {
  try {
    return await sendJson("/v1/hydra/admin/routing", { method: "PUT", body: { strategy }, admin: true });
  } finally {
    void refreshCluster();
  }
}
