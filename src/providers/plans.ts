// What a Twelve Data key's plan includes and what each endpoint costs (the vendor's published OpenAPI document:
// `x-starting-plan` and `x-api-credits-cost`): endpoints above the plan are never called.

import { TWELVEDATA_PLANS } from "../config";

export type TwelveDataPlan = (typeof TWELVEDATA_PLANS)[number];

/** What the pipeline asks a vendor for; each maps to one endpoint. */
export type Capability = "bars" | "quotes" | "splits" | "dividends" | "market_cap" | "market_cap_history";

export interface EndpointTerms {
  path: string;
  plan: TwelveDataPlan;
  credits: number;
  /** Charged per symbol of a batch, or once per request. */
  per: "symbol" | "request";
}

/** Current market cap comes from /statistics (Pro); its dated history from /market_cap (Ultra). */
export const TWELVEDATA_ENDPOINTS: Record<Capability, EndpointTerms> = {
  bars: { path: "/time_series", plan: "basic", credits: 1, per: "symbol" },
  quotes: { path: "/quote", plan: "basic", credits: 1, per: "symbol" },
  splits: { path: "/splits", plan: "grow", credits: 20, per: "symbol" },
  dividends: { path: "/dividends", plan: "grow", credits: 20, per: "symbol" },
  market_cap: { path: "/statistics", plan: "pro", credits: 50, per: "symbol" },
  market_cap_history: { path: "/market_cap", plan: "ultra", credits: 5, per: "request" },
};

const rank = (plan: TwelveDataPlan) => TWELVEDATA_PLANS.indexOf(plan);

export function includes(plan: TwelveDataPlan, terms: EndpointTerms): boolean {
  return rank(plan) >= rank(terms.plan);
}

/** The capabilities a plan leaves out, in a stable order. */
export function planGaps(plan: TwelveDataPlan): Capability[] {
  return (Object.keys(TWELVEDATA_ENDPOINTS) as Capability[]).filter((c) => !includes(plan, TWELVEDATA_ENDPOINTS[c]));
}

/** Credits per symbol for each capability under `plan`; 0 for what the plan leaves out (never called). */
export function creditCosts(plan: TwelveDataPlan, gaps: ReadonlySet<Capability> = new Set()) {
  const cost = (c: Capability) =>
    includes(plan, TWELVEDATA_ENDPOINTS[c]) && !gaps.has(c) ? TWELVEDATA_ENDPOINTS[c].credits : 0;
  return {
    bar: cost("bars"),
    quote: cost("quotes"),
    corporateActions: cost("splits") + cost("dividends"),
    // A daily refresh reads one page of history where the plan has it, else the current value.
    marketCap: cost("market_cap_history") || cost("market_cap"),
  };
}
