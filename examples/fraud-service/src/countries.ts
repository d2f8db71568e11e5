/**
 * Reference data the features need about places: where a country is (for distances), its
 * currency, and a made-up geo-IP table. The IP blocks are synthetic: each country owns two first
 * octets, so the generator can draw an address "from" a country and the features can map it back.
 */
export interface Country {
  readonly code: string;
  readonly latitude: number;
  readonly longitude: number;
  readonly currency: string;
  /** Local time offset used for timestamps at merchants there (no daylight saving in this world). */
  readonly utcOffsetMinutes: number;
  readonly ipFirstOctets: readonly [number, number];
}

export const COUNTRIES: readonly Country[] = [
  {
    code: 'DE',
    latitude: 51.1,
    longitude: 10.4,
    currency: 'EUR',
    utcOffsetMinutes: 60,
    ipFirstOctets: [46, 87],
  },
  {
    code: 'FR',
    latitude: 46.6,
    longitude: 2.4,
    currency: 'EUR',
    utcOffsetMinutes: 60,
    ipFirstOctets: [90, 176],
  },
  {
    code: 'NL',
    latitude: 52.2,
    longitude: 5.3,
    currency: 'EUR',
    utcOffsetMinutes: 60,
    ipFirstOctets: [77, 145],
  },
  {
    code: 'ES',
    latitude: 40.4,
    longitude: -3.7,
    currency: 'EUR',
    utcOffsetMinutes: 60,
    ipFirstOctets: [83, 88],
  },
  {
    code: 'IT',
    latitude: 42.8,
    longitude: 12.6,
    currency: 'EUR',
    utcOffsetMinutes: 60,
    ipFirstOctets: [79, 151],
  },
  {
    code: 'GB',
    latitude: 54.0,
    longitude: -2.5,
    currency: 'GBP',
    utcOffsetMinutes: 0,
    ipFirstOctets: [81, 86],
  },
  {
    code: 'PL',
    latitude: 52.0,
    longitude: 19.4,
    currency: 'PLN',
    utcOffsetMinutes: 60,
    ipFirstOctets: [89, 178],
  },
  {
    code: 'SE',
    latitude: 62.0,
    longitude: 15.0,
    currency: 'SEK',
    utcOffsetMinutes: 60,
    ipFirstOctets: [78, 94],
  },
  {
    code: 'US',
    latitude: 39.8,
    longitude: -98.6,
    currency: 'USD',
    utcOffsetMinutes: -300,
    ipFirstOctets: [23, 73],
  },
  {
    code: 'BR',
    latitude: -14.2,
    longitude: -51.9,
    currency: 'BRL',
    utcOffsetMinutes: -180,
    ipFirstOctets: [177, 187],
  },
  {
    code: 'JP',
    latitude: 36.2,
    longitude: 138.3,
    currency: 'JPY',
    utcOffsetMinutes: 540,
    ipFirstOctets: [126, 153],
  },
  {
    code: 'IN',
    latitude: 22.4,
    longitude: 79.0,
    currency: 'INR',
    utcOffsetMinutes: 330,
    ipFirstOctets: [49, 117],
  },
];

/** Units of each currency per euro; fixed, because the synthetic world has no FX market. */
export const EUR_RATES: Readonly<Record<string, number>> = {
  EUR: 1,
  GBP: 0.85,
  PLN: 4.3,
  SEK: 11.5,
  USD: 1.08,
  BRL: 5.4,
  JPY: 160,
  INR: 90,
};

export const CURRENCIES: readonly string[] = Object.keys(EUR_RATES);

const byCode = new Map(COUNTRIES.map((country) => [country.code, country]));
const byFirstOctet = new Map<number, Country>();
for (const country of COUNTRIES) {
  for (const octet of country.ipFirstOctets) byFirstOctet.set(octet, country);
}

export function countryByCode(code: string): Country | undefined {
  return byCode.get(code);
}

/** The country an IPv4 address belongs to in the synthetic geo-IP table, if any. */
export function countryOfIp(ip: string): Country | undefined {
  const dot = ip.indexOf('.');
  if (dot <= 0) return undefined;
  return byFirstOctet.get(Number(ip.slice(0, dot)));
}

const EARTH_RADIUS_KM = 6371;

/** Great-circle distance in kilometres. */
export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const toRad = Math.PI / 180;
  const dLat = (lat2 - lat1) * toRad;
  const dLon = (lon2 - lon1) * toRad;
  const a =
    Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * toRad) * Math.cos(lat2 * toRad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}
