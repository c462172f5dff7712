// The synthetic universe: realistic US assets across sectors with the walk parameters each one is generated from.
import type { AssetProfile, Split } from "./types";

export interface SyntheticAsset extends AssetProfile {
  /** Expected annual return (arithmetic drift of the log-normal walk). */
  annual_drift: number;
  annual_volatility: number;
  /**
   * Shares outstanding on the first generated day, counted in post-split shares (after every split below);
   * later they drift quarterly with buybacks or issuance.
   */
  shares_outstanding: number;
  /** Raw price on the first generated day (the origin, or the listing day when later). */
  start_price: number;
  /** Correlation with the common market factor; broad index ETFs sit near 1 so they track each other. */
  market_correlation: number;
  /** Trailing dividend yield paid in four quarterly cash dividends; 0 pays none. */
  dividend_yield: number;
  splits: Split[];
}

type Row = [string, string, string, string | null, number, number, number, number, number, number, string];
const etf = (r: Row, splits: Split[] = []) => asset(r, "etf", splits);
const eq = (r: Row, splits: Split[] = []) => asset(r, "equity", splits);
function asset(r: Row, asset_class: "equity" | "etf", splits: Split[]): SyntheticAsset {
  const [symbol, name, exchange, sector, drift, vol, sharesBn, price, yld, corr, listed] = r;
  return {
    symbol,
    name,
    exchange,
    asset_class,
    currency: "USD",
    sector,
    listed_at: listed,
    annual_drift: drift,
    annual_volatility: vol,
    shares_outstanding: Math.round(sharesBn * 1e9),
    start_price: price,
    market_correlation: corr,
    dividend_yield: yld,
    splits,
  };
}

const TECH = "Information Technology";
const COMM = "Communication Services";
const DISC = "Consumer Discretionary";
const STAP = "Consumer Staples";
const HEAL = "Health Care";
const FIN = "Financials";
const IND = "Industrials";

// [symbol, name, exchange, sector, drift, vol, shares (bn), start price, yield, market corr, listed_at]
export const SYNTHETIC_UNIVERSE: readonly SyntheticAsset[] = [
  etf(["SPY", "SPDR S&P 500 ETF Trust", "NYSE ARCA", null, 0.1, 0.17, 0.92, 250, 0.013, 0.995, "1993-01-22"]),
  etf(["IVV", "iShares Core S&P 500 ETF", "NYSE ARCA", null, 0.1, 0.17, 1.0, 251, 0.013, 0.995, "2000-05-15"]),
  etf(["VOO", "Vanguard S&P 500 ETF", "NYSE ARCA", null, 0.1, 0.17, 1.4, 230, 0.013, 0.995, "2010-09-07"]),
  etf(["QQQ", "Invesco QQQ Trust", "NASDAQ", null, 0.15, 0.22, 0.58, 155, 0.006, 0.93, "1999-03-10"]),
  etf(["VTI", "Vanguard Total Stock Market ETF", "NYSE ARCA", null, 0.095, 0.18, 1.5, 128, 0.014, 0.98, "2001-05-24"]),
  etf(["IWM", "iShares Russell 2000 ETF", "NYSE ARCA", null, 0.06, 0.23, 0.38, 134, 0.012, 0.85, "2000-05-22"]),
  etf([
    "DIA",
    "SPDR Dow Jones Industrial Average ETF",
    "NYSE ARCA",
    null,
    0.08,
    0.16,
    0.14,
    233,
    0.017,
    0.95,
    "1998-01-14",
  ]),
  etf(["XLK", "Technology Select Sector SPDR Fund", "NYSE ARCA", null, 0.16, 0.24, 0.3, 62, 0.007, 0.9, "1998-12-16"]),
  etf(["XLF", "Financial Select Sector SPDR Fund", "NYSE ARCA", null, 0.08, 0.21, 1.3, 24, 0.017, 0.85, "1998-12-16"]),
  etf(["XLE", "Energy Select Sector SPDR Fund", "NYSE ARCA", null, 0.05, 0.3, 0.5, 57, 0.035, 0.6, "1998-12-16"]),
  etf([
    "XLV",
    "Health Care Select Sector SPDR Fund",
    "NYSE ARCA",
    null,
    0.07,
    0.16,
    0.25,
    86,
    0.015,
    0.75,
    "1998-12-16",
  ]),
  eq(
    ["AAPL", "Apple Inc.", "NASDAQ", TECH, 0.22, 0.28, 15.0, 157, 0.005, 0.75, "1980-12-12"],
    [{ date: "2020-08-31", ratio: 4 }],
  ),
  eq(["MSFT", "Microsoft Corporation", "NASDAQ", TECH, 0.2, 0.25, 7.43, 101, 0.008, 0.78, "1986-03-13"]),
  eq(
    ["NVDA", "NVIDIA Corporation", "NASDAQ", TECH, 0.45, 0.5, 24.4, 136, 0.0003, 0.65, "1999-01-22"],
    [
      { date: "2021-07-20", ratio: 4 },
      { date: "2024-06-10", ratio: 10 },
    ],
  ),
  eq(
    ["AVGO", "Broadcom Inc.", "NASDAQ", TECH, 0.35, 0.38, 4.7, 254, 0.012, 0.65, "2009-08-06"],
    [{ date: "2024-07-15", ratio: 10 }],
  ),
  eq(["ORCL", "Oracle Corporation", "NYSE", TECH, 0.15, 0.3, 2.8, 45, 0.012, 0.6, "1986-03-12"]),
  eq(["CRM", "Salesforce, Inc.", "NYSE", TECH, 0.1, 0.33, 0.96, 137, 0.004, 0.6, "2004-06-23"]),
  eq(["ADBE", "Adobe Inc.", "NASDAQ", TECH, 0.08, 0.32, 0.43, 226, 0, 0.65, "1986-08-13"]),
  eq(["AMD", "Advanced Micro Devices, Inc.", "NASDAQ", TECH, 0.3, 0.5, 1.62, 18, 0, 0.6, "1972-09-27"]),
  eq(["INTC", "Intel Corporation", "NASDAQ", TECH, -0.05, 0.38, 4.37, 47, 0.02, 0.6, "1971-10-13"]),
  eq(["CSCO", "Cisco Systems, Inc.", "NASDAQ", TECH, 0.06, 0.24, 3.96, 43, 0.028, 0.7, "1990-02-16"]),
  eq(["QCOM", "QUALCOMM Incorporated", "NASDAQ", TECH, 0.12, 0.36, 1.1, 57, 0.022, 0.62, "1991-12-13"]),
  eq(
    ["GOOGL", "Alphabet Inc.", "NASDAQ", COMM, 0.2, 0.3, 5.8, 1050, 0, 0.7, "2004-08-19"],
    [{ date: "2022-07-18", ratio: 20 }],
  ),
  eq(["META", "Meta Platforms, Inc.", "NASDAQ", COMM, 0.22, 0.4, 2.52, 135, 0.003, 0.65, "2012-05-18"]),
  eq(
    ["NFLX", "Netflix, Inc.", "NASDAQ", COMM, 0.18, 0.42, 4.3, 267, 0, 0.55, "2002-05-23"],
    [{ date: "2025-11-17", ratio: 10 }],
  ),
  eq(["DIS", "The Walt Disney Company", "NYSE", COMM, 0.02, 0.28, 1.82, 110, 0.008, 0.65, "1957-11-12"]),
  eq(["VZ", "Verizon Communications Inc.", "NYSE", COMM, 0.02, 0.18, 4.2, 56, 0.06, 0.45, "1983-11-21"]),
  eq(["T", "AT&T Inc.", "NYSE", COMM, 0.02, 0.22, 7.2, 28, 0.055, 0.45, "1983-11-21"]),
  eq(["RDDT", "Reddit, Inc.", "NYSE", COMM, 0.25, 0.65, 0.19, 34, 0, 0.45, "2024-03-21"]),
  eq(
    ["AMZN", "Amazon.com, Inc.", "NASDAQ", DISC, 0.18, 0.32, 10.6, 1540, 0, 0.7, "1997-05-15"],
    [{ date: "2022-06-06", ratio: 20 }],
  ),
  eq(
    ["TSLA", "Tesla, Inc.", "NASDAQ", DISC, 0.4, 0.6, 3.2, 330, 0, 0.5, "2010-06-29"],
    [
      { date: "2020-08-31", ratio: 5 },
      { date: "2022-08-25", ratio: 3 },
    ],
  ),
  eq(["HD", "The Home Depot, Inc.", "NYSE", DISC, 0.1, 0.22, 0.99, 172, 0.024, 0.7, "1981-09-22"]),
  eq(["MCD", "McDonald's Corporation", "NYSE", DISC, 0.08, 0.18, 0.71, 178, 0.022, 0.55, "1966-07-05"]),
  eq(["NKE", "NIKE, Inc.", "NYSE", DISC, 0.01, 0.3, 1.48, 74, 0.015, 0.55, "1980-12-02"]),
  eq(["SBUX", "Starbucks Corporation", "NASDAQ", DISC, 0.04, 0.28, 1.14, 64, 0.025, 0.55, "1992-06-26"]),
  eq(["LOW", "Lowe's Companies, Inc.", "NYSE", DISC, 0.12, 0.26, 0.56, 92, 0.018, 0.65, "1961-10-10"]),
  eq(["PG", "The Procter & Gamble Company", "NYSE", STAP, 0.07, 0.17, 2.35, 92, 0.024, 0.5, "1950-01-03"]),
  eq(["KO", "The Coca-Cola Company", "NYSE", STAP, 0.06, 0.16, 4.3, 47, 0.03, 0.5, "1919-09-05"]),
  eq(["PEP", "PepsiCo, Inc.", "NASDAQ", STAP, 0.05, 0.16, 1.37, 110, 0.03, 0.5, "1972-06-01"]),
  eq(
    ["WMT", "Walmart Inc.", "NYSE", STAP, 0.16, 0.2, 8.0, 93, 0.013, 0.5, "1972-08-25"],
    [{ date: "2024-02-26", ratio: 3 }],
  ),
  eq(["COST", "Costco Wholesale Corporation", "NASDAQ", STAP, 0.22, 0.22, 0.44, 204, 0.006, 0.6, "1985-12-05"]),
  eq(["UNH", "UnitedHealth Group Incorporated", "NYSE", HEAL, 0.08, 0.26, 0.91, 249, 0.016, 0.55, "1984-10-17"]),
  eq(["JNJ", "Johnson & Johnson", "NYSE", HEAL, 0.04, 0.16, 2.4, 129, 0.03, 0.5, "1944-09-25"]),
  eq(["LLY", "Eli Lilly and Company", "NYSE", HEAL, 0.38, 0.3, 0.9, 115, 0.008, 0.45, "1970-07-09"]),
  eq(["PFE", "Pfizer Inc.", "NYSE", HEAL, -0.05, 0.22, 5.67, 43, 0.055, 0.45, "1944-01-03"]),
  eq(["MRK", "Merck & Co., Inc.", "NYSE", HEAL, 0.06, 0.2, 2.5, 76, 0.03, 0.45, "1946-06-01"]),
  eq(["ABBV", "AbbVie Inc.", "NYSE", HEAL, 0.14, 0.24, 1.77, 92, 0.04, 0.45, "2013-01-02"]),
  eq(["TMO", "Thermo Fisher Scientific Inc.", "NYSE", HEAL, 0.11, 0.24, 0.38, 223, 0.003, 0.6, "1980-03-17"]),
  eq(["JPM", "JPMorgan Chase & Co.", "NYSE", FIN, 0.14, 0.25, 2.78, 97, 0.022, 0.7, "1969-03-05"]),
  eq(["BAC", "Bank of America Corporation", "NYSE", FIN, 0.09, 0.3, 7.6, 24, 0.024, 0.7, "1973-01-02"]),
  eq(["WFC", "Wells Fargo & Company", "NYSE", FIN, 0.06, 0.3, 3.2, 46, 0.025, 0.65, "1972-01-03"]),
  eq(["GS", "The Goldman Sachs Group, Inc.", "NYSE", FIN, 0.16, 0.28, 0.31, 167, 0.02, 0.7, "1999-05-04"]),
  eq(["MS", "Morgan Stanley", "NYSE", FIN, 0.15, 0.28, 1.6, 39, 0.03, 0.7, "1993-02-23"]),
  eq(["V", "Visa Inc.", "NYSE", FIN, 0.13, 0.22, 1.95, 131, 0.007, 0.72, "2008-03-19"]),
  eq(["MA", "Mastercard Incorporated", "NYSE", FIN, 0.15, 0.24, 0.91, 188, 0.005, 0.72, "2006-05-25"]),
  eq(["BRK.B", "Berkshire Hathaway Inc.", "NYSE", FIN, 0.12, 0.17, 1.3, 204, 0, 0.75, "1996-05-09"]),
  eq(["CRCL", "Circle Internet Group, Inc.", "NYSE", FIN, 0.2, 0.9, 0.23, 31, 0, 0.3, "2025-06-05"]),
  eq(["XOM", "Exxon Mobil Corporation", "NYSE", "Energy", 0.07, 0.3, 4.3, 68, 0.035, 0.45, "1920-01-02"]),
  eq(["CVX", "Chevron Corporation", "NYSE", "Energy", 0.05, 0.3, 1.75, 109, 0.04, 0.45, "1921-06-24"]),
  eq(["COP", "ConocoPhillips", "NYSE", "Energy", 0.1, 0.36, 1.25, 62, 0.03, 0.45, "2002-08-30"]),
  eq(["CAT", "Caterpillar Inc.", "NYSE", IND, 0.2, 0.28, 0.47, 127, 0.016, 0.65, "1929-12-02"]),
  eq(["BA", "The Boeing Company", "NYSE", IND, -0.05, 0.42, 0.76, 322, 0, 0.55, "1962-01-02"]),
  // A 1-for-8 reverse split: the raw price jumps eightfold, so ratio < 1 is exercised too.
  eq(
    ["GE", "GE Aerospace", "NYSE", IND, 0.18, 0.34, 1.07, 8, 0.004, 0.55, "1892-06-23"],
    [{ date: "2021-08-02", ratio: 0.125 }],
  ),
  eq(["HON", "Honeywell International Inc.", "NASDAQ", IND, 0.05, 0.22, 0.65, 133, 0.02, 0.65, "1970-01-02"]),
  eq(["UPS", "United Parcel Service, Inc.", "NYSE", IND, 0.0, 0.26, 0.85, 98, 0.045, 0.55, "1999-11-10"]),
  eq(["LIN", "Linde plc", "NASDAQ", "Materials", 0.14, 0.22, 0.47, 156, 0.012, 0.6, "2018-10-31"]),
  eq(["NEM", "Newmont Corporation", "NYSE", "Materials", 0.1, 0.36, 1.1, 34, 0.02, 0.25, "1940-01-02"]),
  eq(
    ["NEE", "NextEra Energy, Inc.", "NYSE", "Utilities", 0.08, 0.22, 2.06, 175, 0.027, 0.4, "1950-01-03"],
    [{ date: "2020-10-27", ratio: 4 }],
  ),
  eq(["DUK", "Duke Energy Corporation", "NYSE", "Utilities", 0.05, 0.18, 0.78, 86, 0.04, 0.35, "1961-01-03"]),
  eq(["PLD", "Prologis, Inc.", "NYSE", "Real Estate", 0.08, 0.26, 0.93, 59, 0.03, 0.55, "1997-11-21"]),
  eq(["AMT", "American Tower Corporation", "NYSE", "Real Estate", 0.03, 0.26, 0.47, 158, 0.03, 0.5, "1998-02-27"]),
  eq(["CRWV", "CoreWeave, Inc.", "NASDAQ", TECH, 0.3, 0.8, 0.49, 40, 0, 0.4, "2025-03-28"]),
];
