/**
 * The API key (sent as `Authorization: Bearer` on every call when the gateway has auth.keys)
 * and the admin key (`x-hydra-admin-key` on admin actions), remembered in localStorage.
 */
import { localSetting } from "./local-setting.js";
import { Store } from "./store.js";

export const apiKey = localSetting("hydra.apiKey");
export const adminKey = localSetting("hydra.adminKey");

/** Set when a call was refused with 401: the header shows the API key prompt. */
export const apiKeyRequired = new Store<{ message: string } | undefined>(undefined);
