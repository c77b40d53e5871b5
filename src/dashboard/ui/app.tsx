/** The dashboard: header and tabs, and the open tab's page. */
import type { FunctionComponent } from "preact";
import { ApiKeyDialog } from "./components/api-key-dialog.js";
import { Header } from "./components/header.js";
import { AdminPage } from "./pages/admin-page.js";
import { ClusterPage } from "./pages/cluster-page.js";
import { MemoryPage } from "./pages/memory-page.js";
import { OrchestrationsPage } from "./pages/orchestrations-page.js";
import { PlaygroundPage } from "./pages/playground-page.js";
import { QueuePage } from "./pages/queue-page.js";
import { RoutingPage } from "./pages/routing-page.js";
import { TrafficPage } from "./pages/traffic-page.js";
import { route, type TabId } from "./state/hash-route.js";
import { useStore } from "./state/store.js";

const PAGES: Record<TabId, FunctionComponent> = {
  cluster: ClusterPage,
  traffic: TrafficPage,
  routing: RoutingPage,
  queue: QueuePage,
  orchestrations: OrchestrationsPage,
  memory: MemoryPage,
  playground: PlaygroundPage,
  admin: AdminPage,
};

export function App() {
  const { tab } = useStore(route);
  const Page = PAGES[tab];
  return (
    <>
      <Header />
      <main class="page" data-page={tab}>
        <Page />
      </main>
      <ApiKeyDialog />
    </>
  );
}
