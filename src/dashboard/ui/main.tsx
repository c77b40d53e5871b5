/** Entry point: theme, routing, the event stream and the cluster poller, then the app. */
import { render } from "preact";
import { startEventStream } from "./api/event-stream.js";
import { App } from "./app.js";
import { startClusterPolling } from "./state/cluster.js";
import { installHashRouting } from "./state/hash-route.js";
import { startQueueHistory } from "./state/queue-history.js";
import { startRouteDecisionLog } from "./state/route-decisions.js";
import { installTheme } from "./state/theme.js";
import "./styles.css";

installTheme();
installHashRouting();
startRouteDecisionLog();
startQueueHistory();
startEventStream();
startClusterPolling();
const root = document.getElementById("app");
if (root !== null) render(<App />, root);
