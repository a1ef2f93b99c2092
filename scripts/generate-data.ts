/**
 * Writes a deterministic authorities.csv and monitoring-officers.csv:
 * real English authority names (padded with invented ones past the real
 * list), fictional people on example.org, plausible statistics.
 *
 *   tsx scripts/generate-data.ts --out DIR --authorities N [--seed S] [--year 2023-24|2024-25]
 *
 * The same arguments always give the same files, and both years the same
 * authorities and people: only the figures differ, each year's as its
 * campaign declares them. Rows are written as they are made, so 100,000
 * authorities need no more memory than 400. campaign.json and templates/ are
 * not generated: when DIR has none, the bundled campaign's of that year are
 * copied there.
 *
 *   data/sample          --authorities 400 --year 2023-24
 *   data/sample-2024-25  --authorities 400 --year 2024-25
 */
import { closeSync, copyFileSync, cpSync, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MONITORING_OFFICER_COLUMNS } from '../src/data/monitoring-officers-csv.js';
import { AUTHORITY_ID_MAX_LENGTH, AUTHORITY_KINDS, type AuthorityKind, FIXED_COLUMNS, isCouncil } from '../src/domain/index.js';
import { PACKAGE_ROOT, SAMPLE_DATA_DIR } from '../src/paths.js';
import { prng } from './prng.js';

/** Real names, 2023-24 structure. Liverpool City Region Combined Authority first: it is the reference letter. */
const REAL_NAMES: Record<AuthorityKind, string[]> = {
  'county-council': [
    'Cambridgeshire County Council',
    'Derbyshire County Council',
    'Devon County Council',
    'East Sussex County Council',
    'Essex County Council',
    'Gloucestershire County Council',
    'Hampshire County Council',
    'Hertfordshire County Council',
    'Kent County Council',
    'Lancashire County Council',
    'Leicestershire County Council',
    'Lincolnshire County Council',
    'Norfolk County Council',
    'Nottinghamshire County Council',
    'Oxfordshire County Council',
    'Staffordshire County Council',
    'Suffolk County Council',
    'Surrey County Council',
    'Warwickshire County Council',
    'West Sussex County Council',
    'Worcestershire County Council',
  ],
  'district-council': [
    'Cambridge City Council',
    'East Cambridgeshire District Council',
    'Fenland District Council',
    'Huntingdonshire District Council',
    'South Cambridgeshire District Council',
    'Amber Valley Borough Council',
    'Bolsover District Council',
    'Chesterfield Borough Council',
    'Derbyshire Dales District Council',
    'Erewash Borough Council',
    'High Peak Borough Council',
    'North East Derbyshire District Council',
    'South Derbyshire District Council',
    'East Devon District Council',
    'Exeter City Council',
    'Mid Devon District Council',
    'North Devon Council',
    'South Hams District Council',
    'Teignbridge District Council',
    'Torridge District Council',
    'West Devon Borough Council',
    'Eastbourne Borough Council',
    'Hastings Borough Council',
    'Lewes District Council',
    'Rother District Council',
    'Wealden District Council',
    'Basildon Borough Council',
    'Braintree District Council',
    'Brentwood Borough Council',
    'Castle Point Borough Council',
    'Chelmsford City Council',
    'Colchester City Council',
    'Epping Forest District Council',
    'Harlow District Council',
    'Maldon District Council',
    'Rochford District Council',
    'Tendring District Council',
    'Uttlesford District Council',
    'Cheltenham Borough Council',
    'Cotswold District Council',
    'Forest of Dean District Council',
    'Gloucester City Council',
    'Stroud District Council',
    'Tewkesbury Borough Council',
    'Basingstoke and Deane Borough Council',
    'East Hampshire District Council',
    'Eastleigh Borough Council',
    'Fareham Borough Council',
    'Gosport Borough Council',
    'Hart District Council',
    'Havant Borough Council',
    'New Forest District Council',
    'Rushmoor Borough Council',
    'Test Valley Borough Council',
    'Winchester City Council',
    'Broxbourne Borough Council',
    'Dacorum Borough Council',
    'East Hertfordshire District Council',
    'Hertsmere Borough Council',
    'North Hertfordshire District Council',
    'St Albans City and District Council',
    'Stevenage Borough Council',
    'Three Rivers District Council',
    'Watford Borough Council',
    'Welwyn Hatfield Borough Council',
    'Ashford Borough Council',
    'Canterbury City Council',
    'Dartford Borough Council',
    'Dover District Council',
    'Folkestone and Hythe District Council',
    'Gravesham Borough Council',
    'Maidstone Borough Council',
    'Sevenoaks District Council',
    'Swale Borough Council',
    'Thanet District Council',
    'Tonbridge and Malling Borough Council',
    'Tunbridge Wells Borough Council',
    'Burnley Borough Council',
    'Chorley Council',
    'Fylde Borough Council',
    'Hyndburn Borough Council',
    'Lancaster City Council',
    'Pendle Borough Council',
    'Preston City Council',
    'Ribble Valley Borough Council',
    'Rossendale Borough Council',
    'South Ribble Borough Council',
    'West Lancashire Borough Council',
    'Wyre Council',
    'Blaby District Council',
    'Charnwood Borough Council',
    'Harborough District Council',
    'Hinckley and Bosworth Borough Council',
    'Melton Borough Council',
    'North West Leicestershire District Council',
    'Oadby and Wigston Borough Council',
    'Boston Borough Council',
    'East Lindsey District Council',
    'City of Lincoln Council',
    'North Kesteven District Council',
    'South Holland District Council',
    'South Kesteven District Council',
    'West Lindsey District Council',
    'Breckland Council',
    'Broadland District Council',
    'Great Yarmouth Borough Council',
    "King's Lynn and West Norfolk Borough Council",
    'North Norfolk District Council',
    'Norwich City Council',
    'South Norfolk Council',
    'Ashfield District Council',
    'Bassetlaw District Council',
    'Broxtowe Borough Council',
    'Gedling Borough Council',
    'Mansfield District Council',
    'Newark and Sherwood District Council',
    'Rushcliffe Borough Council',
    'Cherwell District Council',
    'Oxford City Council',
    'South Oxfordshire District Council',
    'Vale of White Horse District Council',
    'West Oxfordshire District Council',
    'Cannock Chase District Council',
    'East Staffordshire Borough Council',
    'Lichfield District Council',
    'Newcastle-under-Lyme Borough Council',
    'South Staffordshire Council',
    'Stafford Borough Council',
    'Staffordshire Moorlands District Council',
    'Tamworth Borough Council',
    'Babergh District Council',
    'East Suffolk Council',
    'Ipswich Borough Council',
    'Mid Suffolk District Council',
    'West Suffolk Council',
    'Elmbridge Borough Council',
    'Epsom and Ewell Borough Council',
    'Guildford Borough Council',
    'Mole Valley District Council',
    'Reigate and Banstead Borough Council',
    'Runnymede Borough Council',
    'Spelthorne Borough Council',
    'Surrey Heath Borough Council',
    'Tandridge District Council',
    'Waverley Borough Council',
    'Woking Borough Council',
    'North Warwickshire Borough Council',
    'Nuneaton and Bedworth Borough Council',
    'Rugby Borough Council',
    'Stratford-on-Avon District Council',
    'Warwick District Council',
    'Adur District Council',
    'Arun District Council',
    'Chichester District Council',
    'Crawley Borough Council',
    'Horsham District Council',
    'Mid Sussex District Council',
    'Worthing Borough Council',
    'Bromsgrove District Council',
    'Malvern Hills District Council',
    'Redditch Borough Council',
    'Worcester City Council',
    'Wychavon District Council',
    'Wyre Forest District Council',
  ],
  'metropolitan-borough': [
    'Bolton Metropolitan Borough Council',
    'Bury Metropolitan Borough Council',
    'Manchester City Council',
    'Oldham Metropolitan Borough Council',
    'Rochdale Borough Council',
    'Salford City Council',
    'Stockport Metropolitan Borough Council',
    'Tameside Metropolitan Borough Council',
    'Trafford Council',
    'Wigan Metropolitan Borough Council',
    'Knowsley Metropolitan Borough Council',
    'Liverpool City Council',
    'Sefton Metropolitan Borough Council',
    'St Helens Borough Council',
    'Wirral Council',
    'Barnsley Metropolitan Borough Council',
    'City of Doncaster Council',
    'Rotherham Metropolitan Borough Council',
    'Sheffield City Council',
    'Gateshead Council',
    'Newcastle upon Tyne City Council',
    'North Tyneside Council',
    'South Tyneside Council',
    'Sunderland City Council',
    'Birmingham City Council',
    'Coventry City Council',
    'Dudley Metropolitan Borough Council',
    'Sandwell Metropolitan Borough Council',
    'Solihull Metropolitan Borough Council',
    'Walsall Council',
    'City of Wolverhampton Council',
    'City of Bradford Metropolitan District Council',
    'Calderdale Council',
    'Kirklees Council',
    'Leeds City Council',
    'City of Wakefield Metropolitan District Council',
  ],
  'unitary-authority': [
    'Bath and North East Somerset Council',
    'Bedford Borough Council',
    'Blackburn with Darwen Borough Council',
    'Blackpool Council',
    'Bournemouth, Christchurch and Poole Council',
    'Bracknell Forest Council',
    'Brighton and Hove City Council',
    'Bristol City Council',
    'Buckinghamshire Council',
    'Central Bedfordshire Council',
    'Cheshire East Council',
    'Cheshire West and Chester Council',
    'Cornwall Council',
    'Cumberland Council',
    'Darlington Borough Council',
    'Derby City Council',
    'Dorset Council',
    'Durham County Council',
    'East Riding of Yorkshire Council',
    'Halton Borough Council',
    'Hartlepool Borough Council',
    'Herefordshire Council',
    'Isle of Wight Council',
    'Hull City Council',
    'Leicester City Council',
    'Luton Borough Council',
    'Medway Council',
    'Middlesbrough Council',
    'Milton Keynes City Council',
    'North East Lincolnshire Council',
    'North Lincolnshire Council',
    'North Northamptonshire Council',
    'North Somerset Council',
    'North Yorkshire Council',
    'Northumberland County Council',
    'Nottingham City Council',
    'Peterborough City Council',
    'Plymouth City Council',
    'Portsmouth City Council',
    'Reading Borough Council',
    'Redcar and Cleveland Borough Council',
    'Rutland County Council',
    'Shropshire Council',
    'Slough Borough Council',
    'Somerset Council',
    'South Gloucestershire Council',
    'Southampton City Council',
    'Southend-on-Sea City Council',
    'Stockton-on-Tees Borough Council',
    'Stoke-on-Trent City Council',
    'Swindon Borough Council',
    'Telford and Wrekin Council',
    'Thurrock Council',
    'Torbay Council',
    'Warrington Borough Council',
    'West Berkshire Council',
    'West Northamptonshire Council',
    'Westmorland and Furness Council',
    'Wiltshire Council',
    'Royal Borough of Windsor and Maidenhead',
    'Wokingham Borough Council',
    'City of York Council',
  ],
  'london-borough': [
    'London Borough of Barking and Dagenham',
    'London Borough of Barnet',
    'London Borough of Bexley',
    'London Borough of Brent',
    'London Borough of Bromley',
    'London Borough of Camden',
    'London Borough of Croydon',
    'London Borough of Ealing',
    'London Borough of Enfield',
    'Royal Borough of Greenwich',
    'London Borough of Hackney',
    'London Borough of Hammersmith and Fulham',
    'London Borough of Haringey',
    'London Borough of Harrow',
    'London Borough of Havering',
    'London Borough of Hillingdon',
    'London Borough of Hounslow',
    'London Borough of Islington',
    'Royal Borough of Kensington and Chelsea',
    'Royal Borough of Kingston upon Thames',
    'London Borough of Lambeth',
    'London Borough of Lewisham',
    'London Borough of Merton',
    'London Borough of Newham',
    'London Borough of Redbridge',
    'London Borough of Richmond upon Thames',
    'London Borough of Southwark',
    'London Borough of Sutton',
    'London Borough of Tower Hamlets',
    'London Borough of Waltham Forest',
    'London Borough of Wandsworth',
    'Westminster City Council',
  ],
  'combined-authority': [
    'Liverpool City Region Combined Authority',
    'Cambridgeshire and Peterborough Combined Authority',
    'Greater Manchester Combined Authority',
    'North of Tyne Combined Authority',
    'South Yorkshire Mayoral Combined Authority',
    'Tees Valley Combined Authority',
    'West Midlands Combined Authority',
    'West of England Combined Authority',
    'West Yorkshire Combined Authority',
    'York and North Yorkshire Combined Authority',
    'East Midlands Combined County Authority',
    'North East Combined Authority',
  ],
  'fire-and-rescue': [
    'Avon Fire Authority',
    'Bedfordshire Fire and Rescue Authority',
    'Royal Berkshire Fire Authority',
    'Buckinghamshire and Milton Keynes Fire Authority',
    'Cambridgeshire and Peterborough Fire Authority',
    'Cheshire Fire Authority',
    'Cleveland Fire Authority',
    'Derbyshire Fire and Rescue Authority',
    'Devon and Somerset Fire and Rescue Authority',
    'Dorset and Wiltshire Fire and Rescue Authority',
    'County Durham and Darlington Fire and Rescue Authority',
    'East Sussex Fire Authority',
    'Hampshire and Isle of Wight Fire and Rescue Authority',
    'Hereford and Worcester Fire Authority',
    'Humberside Fire Authority',
    'Kent and Medway Fire and Rescue Authority',
    'Lancashire Combined Fire Authority',
    'Leicester, Leicestershire and Rutland Combined Fire Authority',
    'Merseyside Fire and Rescue Authority',
    'Nottinghamshire and City of Nottingham Fire and Rescue Authority',
    'Shropshire and Wrekin Fire and Rescue Authority',
    'South Yorkshire Fire and Rescue Authority',
    'Tyne and Wear Fire and Rescue Authority',
    'West Midlands Fire and Rescue Authority',
    'West Yorkshire Fire and Rescue Authority',
    'London Fire Commissioner',
    'Essex Police, Fire and Crime Commissioner Fire and Rescue Authority',
    'Northamptonshire Commissioner Fire and Rescue Authority',
    'Staffordshire Commissioner Fire and Rescue Authority',
    'North Yorkshire Fire and Rescue Authority',
    'Greater Manchester Fire and Rescue Service',
  ],
  'national-park': [
    'Dartmoor National Park Authority',
    'Exmoor National Park Authority',
    'Lake District National Park Authority',
    'New Forest National Park Authority',
    'Northumberland National Park Authority',
    'North York Moors National Park Authority',
    'Peak District National Park Authority',
    'South Downs National Park Authority',
    'Yorkshire Dales National Park Authority',
    'Broads Authority',
  ],
  other: [
    'Greater London Authority',
    'Transport for London',
    'City of London Corporation',
    'Council of the Isles of Scilly',
    'Lee Valley Regional Park Authority',
    'London Legacy Development Corporation',
    'Conservators of Ashdown Forest',
    'Transport for the North',
    'Old Oak and Park Royal Development Corporation',
  ],
};

/** Councils that had a directly elected mayor: their political head is a Mayor, not a Leader. */
const ELECTED_MAYORS = new Set([
  'Bedford Borough Council',
  'Bristol City Council',
  'London Borough of Croydon',
  'London Borough of Hackney',
  'London Borough of Lewisham',
  'London Borough of Newham',
  'London Borough of Tower Hamlets',
  'Watford Borough Council',
  'Middlesbrough Council',
  'Mansfield District Council',
  'North Tyneside Council',
  'City of Doncaster Council',
  'Salford City Council',
  'Leicester City Council',
  'Greater London Authority',
]);

/** Invented names for rows past the real list, with the weights of a real list. */
const PLACE_ROOTS = [
  'Ash',
  'Beck',
  'Bram',
  'Cal',
  'Dun',
  'Elm',
  'Fern',
  'Hal',
  'Kel',
  'Lang',
  'Mor',
  'Oak',
  'Pen',
  'Rad',
  'Stan',
  'Thorn',
  'Wal',
  'Wy',
  'Brad',
  'Chal',
];
const PLACE_ENDINGS = ['brook', 'ford', 'ham', 'ley', 'mere', 'ton', 'wick', 'bury', 'field', 'stead', 'worth', 'combe'];
const PLACE_PREFIXES = ['', '', '', 'North ', 'South ', 'East ', 'West ', 'Upper ', 'Great '];
const INVENTED_KINDS: [AuthorityKind, (place: string) => string, number][] = [
  ['district-council', (place) => `${place} District Council`, 40],
  ['unitary-authority', (place) => `${place} Council`, 16],
  ['metropolitan-borough', (place) => `${place} Metropolitan Borough Council`, 9],
  ['london-borough', (place) => `London Borough of ${place}`, 8],
  ['county-council', (place) => `${place} County Council`, 5],
  ['combined-authority', (place) => `${place} Combined Authority`, 3],
  ['fire-and-rescue', (place) => `${place} Fire and Rescue Authority`, 8],
  ['national-park', (place) => `${place} National Park Authority`, 3],
  ['other', (place) => `${place} Development Corporation`, 3],
];

/** First names with the titles that go with them, so no letter reads "Dear Mrs" to an Owen. */
const WOMEN = [
  'Aisha',
  'Amelia',
  'Anita',
  'Bethan',
  'Carol',
  'Chloe',
  'Deborah',
  'Eleanor',
  'Fiona',
  'Grace',
  'Hannah',
  'Harpreet',
  'Isla',
  'Jasmine',
  'Joanne',
  'Karen',
  'Laura',
  'Lucy',
  'Marta',
  'Megan',
  'Nadia',
  'Nicola',
  'Priya',
  'Rachel',
  'Ruth',
  'Sarah',
  'Sian',
  'Sophie',
  'Una',
  'Victoria',
  'Zoe',
];
const MEN = [
  'Alan',
  'Andrew',
  'Ben',
  'Callum',
  'Colin',
  'Daniel',
  'Dev',
  'Emeka',
  'Gareth',
  'Ian',
  'Imran',
  'James',
  'Kamal',
  'Kieran',
  'Liam',
  'Mark',
  'Matthew',
  'Michael',
  'Neil',
  'Owen',
  'Paul',
  'Rhys',
  'Robert',
  'Samir',
  'Sean',
  'Simon',
  'Stephen',
  'Tariq',
  'Tom',
  'Wei',
  'Yusuf',
];
const WOMEN_TITLES = ['Ms', 'Ms', 'Mrs', 'Miss', 'Dr'];
const MEN_TITLES = ['Mr', 'Mr', 'Mr', 'Dr'];
const SURNAMES = [
  'Abbott',
  'Ahmed',
  'Ashworth',
  'Bailey',
  'Banerjee',
  'Barker',
  'Bennett',
  'Blackwood',
  'Bradshaw',
  'Brennan',
  'Carter',
  'Chowdhury',
  'Clarke',
  'Crossley',
  'Dawson',
  'Desai',
  'Donnelly',
  'Ellison',
  'Evans',
  'Fenwick',
  'Fletcher',
  'Gallagher',
  'Gill',
  'Greenhalgh',
  'Hargreaves',
  'Hartley',
  'Holloway',
  'Hussain',
  'Iqbal',
  'Jennings',
  'Kaur',
  'Kelly',
  'Lawson',
  'Lindqvist',
  'Lomax',
  'MacLeod',
  'Marsden',
  'Mensah',
  "O'Connell",
  'Okafor',
  'Osei',
  'Parkinson',
  'Patel',
  'Pemberton',
  'Quinn',
  'Rahman',
  'Redfern',
  'Rowntree',
  'Sandhu',
  'Shaw',
  'Singh',
  'Sutcliffe',
  'Thornton',
  'Underwood',
  'Varga',
  'Wainwright',
  'Whitfield',
  'Wilkinson',
  'Yates',
  'Zielinski',
];

/** Investigations in a year, by kind: councils from none to about 150, other bodies rarely any. */
const INVESTIGATIONS: Record<AuthorityKind, [number, number]> = {
  'county-council': [15, 120],
  'district-council': [0, 20],
  'metropolitan-borough': [15, 150],
  'unitary-authority': [5, 120],
  'london-borough': [10, 130],
  'combined-authority': [0, 3],
  'fire-and-rescue': [0, 2],
  'national-park': [0, 2],
  other: [0, 4],
};

const POPULATION: Partial<Record<AuthorityKind, [number, number]>> = {
  'county-council': [500_000, 1_600_000],
  'district-council': [45_000, 190_000],
  'metropolitan-borough': [150_000, 1_150_000],
  'unitary-authority': [40_000, 650_000],
  'london-borough': [150_000, 400_000],
};

const HEAD_ROLE: Record<AuthorityKind, string> = {
  'county-council': 'Leader',
  'district-council': 'Leader',
  'metropolitan-borough': 'Leader',
  'unitary-authority': 'Leader',
  'london-borough': 'Leader',
  'combined-authority': 'Mayor',
  'fire-and-rescue': 'Chair',
  'national-park': 'Chair',
  other: 'Chair',
};

interface Person {
  title: string;
  first: string;
  surname: string;
  email: string;
}

interface GeneratedAuthority {
  id: string;
  name: string;
  kind: AuthorityKind;
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/'/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** A name's slug as an id of at most AUTHORITY_ID_MAX_LENGTH characters, cut at a '-'. */
function idOf(name: string): string {
  const id = slug(name);
  return id.length <= AUTHORITY_ID_MAX_LENGTH ? id : id.slice(0, id.lastIndexOf('-', AUTHORITY_ID_MAX_LENGTH));
}

function csvLine(values: readonly (string | number)[]): string {
  return `${values.map((v) => (/[",\r\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v))).join(',')}\n`;
}

/** Real names first, a share of every kind when N is smaller than the list; invented ones after. */
function* authoritiesFor(count: number, random: () => number): Generator<GeneratedAuthority> {
  const perKind = new Map<AuthorityKind, number>(AUTHORITY_KINDS.map((kind) => [kind, 0]));
  let taken = 0;
  for (let more = true; more && taken < count; ) {
    more = false;
    for (const kind of AUTHORITY_KINDS) {
      const n = perKind.get(kind) ?? 0;
      if (taken < count && n < REAL_NAMES[kind].length) {
        perKind.set(kind, n + 1);
        taken++;
        more = true;
      }
    }
  }
  for (const kind of AUTHORITY_KINDS) {
    for (const name of REAL_NAMES[kind].slice(0, perKind.get(kind))) {
      yield { id: name === 'Liverpool City Region Combined Authority' ? 'lcrca' : idOf(name), name, kind };
    }
  }
  const totalWeight = INVENTED_KINDS.reduce((sum, [, , weight]) => sum + weight, 0);
  for (let i = taken + 1; i <= count; i++) {
    let pick = random() * totalWeight;
    const [kind, nameOf] =
      INVENTED_KINDS.find(([, , weight]) => {
        pick -= weight;
        return pick < 0;
      }) ?? INVENTED_KINDS[0]!;
    const name = nameOf(`${oneOf(PLACE_PREFIXES, random)}${oneOf(PLACE_ROOTS, random)}${oneOf(PLACE_ENDINGS, random)}`);
    yield { id: `${idOf(name).slice(0, AUTHORITY_ID_MAX_LENGTH - String(i).length - 1)}-${i}`, name, kind };
  }
}

function oneOf<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)]!;
}

function between(lo: number, hi: number, random: () => number): number {
  return lo + Math.floor(random() * (hi - lo + 1));
}

/** People with distinct addresses within one authority: a shared one would be a duplicate recipient. */
function personMaker(domain: string, random: () => number): () => Person {
  const used = new Set<string>();
  return () => {
    for (;;) {
      const woman = random() < 0.5;
      const first = oneOf(woman ? WOMEN : MEN, random);
      const title = oneOf(woman ? WOMEN_TITLES : MEN_TITLES, random);
      const surname = oneOf(SURNAMES, random);
      const email = `${slug(first)}.${slug(surname)}@${domain}`;
      if (!used.has(email)) {
        used.add(email);
        return { title, first, surname, email };
      }
    }
  };
}

/** The years this script writes, each with its campaign folder and the figure columns its campaign declares. */
const YEARS = {
  '2023-24': {
    campaignDir: SAMPLE_DATA_DIR,
    figures: [
      'population',
      'training_courses',
      'investigations',
      'upheld',
      'compliance_outcomes',
      'compliance_met',
      'satisfactory_remedies',
    ],
  },
  '2024-25': {
    campaignDir: join(PACKAGE_ROOT, 'data', 'sample-2024-25'),
    figures: [
      'complaints',
      'not_for_us',
      'assessed_and_closed',
      'investigations',
      'upheld',
      'compliance_outcomes',
      'compliance_met',
      'satisfactory_remedies',
      'population',
    ],
  },
} as const;

export type Year = keyof typeof YEARS;
type Row = Record<string, string | number>;

/** The reference letter's authority: its letter must read exactly as the real one. */
const LCRCA: Row = {
  id: 'lcrca',
  name: 'Liverpool City Region Combined Authority',
  kind: 'combined-authority',
  ce_title: 'Ms',
  ce_first_name: 'Katherine',
  ce_surname: 'Fairclough',
  ce_email: 'katherine.fairclough@lcrca.example.org',
  head_role: 'Mayor',
  head_name: 'Daniel Whitfield',
  head_email: 'daniel.whitfield@lcrca.example.org',
  population: '',
  training_courses: 3,
  investigations: 0,
  upheld: 0,
  compliance_outcomes: 0,
  compliance_met: 0,
  satisfactory_remedies: 0,
};

/**
 * Liverpool City Council's 2024-25 figures as the Ombudsman published them
 * (see the README's "Next year's letter"): 165 = 62 + 74 + 29, 23 upheld,
 * 4.6 upheld decisions per 100,000 residents.
 */
const LIVERPOOL_2024_25: Row = {
  complaints: 165,
  not_for_us: 62,
  assessed_and_closed: 74,
  investigations: 29,
  upheld: 23,
  compliance_outcomes: 20,
  compliance_met: 20,
  satisfactory_remedies: 3,
  population: 496_800,
};

/**
 * The 2024-25 figures of one row, from their own random stream so the
 * authorities and people stay those of 2023-24. complaints = not_for_us +
 * assessed_and_closed + investigations, as the campaign's rule requires.
 */
function figures2024(kind: AuthorityKind, index: number, population: string | number, random: () => number): Row {
  const stats = statistics(kind, index, random);
  const notForUs = Math.round(stats.investigations * (1.5 + random()) + between(0, 3, random));
  const assessedAndClosed = Math.round(stats.investigations * (2 + random()) + between(0, 3, random));
  return {
    complaints: notForUs + assessedAndClosed + stats.investigations,
    not_for_us: notForUs,
    assessed_and_closed: assessedAndClosed,
    ...stats,
    population,
  };
}

/** The reference letter's authority in 2024-25: a few complaints, none investigated. */
const LCRCA_2024_25: Row = {
  complaints: 4,
  not_for_us: 2,
  assessed_and_closed: 2,
  investigations: 0,
  upheld: 0,
  compliance_outcomes: 0,
  compliance_met: 0,
  satisfactory_remedies: 0,
  population: '',
};

function figures2024For(
  id: string,
  name: string,
  kind: AuthorityKind,
  index: number,
  population: string | number,
  random: () => number,
): Row {
  const drawn = figures2024(kind, index, population, random); // drawn for every row, so the stream never shifts
  if (id === 'lcrca') return LCRCA_2024_25;
  return name === 'Liverpool City Council' ? LIVERPOOL_2024_25 : drawn;
}

/** The statistics columns of one row. */
function statistics(kind: AuthorityKind, index: number, random: () => number) {
  // A steady trickle of the singular case ("1 upheld decision"), which templates get wrong most often.
  if (index % 40 === 7) {
    return { investigations: 1, upheld: 1, compliance_outcomes: 1, compliance_met: 1, satisfactory_remedies: 0 };
  }
  const [lo, hi] = INVESTIGATIONS[kind];
  const skewed = isCouncil(kind) ? random() ** 1.5 : random() < 0.7 ? 0 : random();
  const investigations = Math.round(lo + (hi - lo) * skewed);
  const upheld = Math.round(investigations * (0.6 + 0.25 * random()));
  const satisfactoryRemedies = Math.round(upheld * (0.05 + 0.15 * random()));
  const complianceOutcomes = upheld - satisfactoryRemedies;
  const shortfall = complianceOutcomes >= 4 && random() < 0.1 ? between(1, 2, random) : 0;
  return {
    investigations,
    upheld,
    compliance_outcomes: complianceOutcomes,
    compliance_met: complianceOutcomes - shortfall,
    satisfactory_remedies: satisfactoryRemedies,
  };
}

function trainingCourses(random: () => number): number {
  const r = random();
  if (r < 0.4) return 0;
  if (r < 0.55) return 1;
  if (r < 0.9) return between(2, 10, random);
  return between(11, 12, random);
}

/** Writes in blocks: one syscall per few hundred rows, never the whole file in memory. */
class BlockWriter {
  private readonly fd: number;
  private buffer = '';

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  write(text: string): void {
    this.buffer += text;
    if (this.buffer.length > 1 << 16) this.flush();
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private flush(): void {
    writeSync(this.fd, this.buffer);
    this.buffer = '';
  }
}

export function generateData(out: string, count: number, seed: number, year: Year = '2023-24'): void {
  mkdirSync(out, { recursive: true });
  const random = prng(seed);
  // The later year's figures come from a stream of their own: every other draw stays as in 2023-24.
  const random2024 = prng(seed + 1);
  const columns = [...FIXED_COLUMNS, ...YEARS[year].figures];
  const authoritiesCsv = new BlockWriter(join(out, 'authorities.csv'));
  const officersCsv = new BlockWriter(join(out, 'monitoring-officers.csv'));
  authoritiesCsv.write(csvLine(columns));
  officersCsv.write(csvLine(MONITORING_OFFICER_COLUMNS));

  let index = 0;
  for (const { id, name, kind } of authoritiesFor(count, random)) {
    index++;
    // A domain label holds at most 63 characters (an id may hold 64): cut at a '-'.
    const label = id.length <= 63 ? id : id.slice(0, id.lastIndexOf('-', 63));
    const person = personMaker(`${label}.example.org`, random);
    const ce = person();
    const head = random() < 0.06 ? null : person();
    const range = POPULATION[kind];
    const row: Row = {
      id,
      name,
      kind,
      ce_title: ce.title,
      ce_first_name: ce.first,
      ce_surname: ce.surname,
      ce_email: ce.email,
      head_role: head ? (ELECTED_MAYORS.has(name) ? 'Mayor' : HEAD_ROLE[kind]) : '',
      head_name: head ? `${head.first} ${head.surname}` : '',
      head_email: head ? head.email : '',
      population: range && random() < 0.85 ? Math.round(between(range[0], range[1], random) / 100) * 100 : '',
      training_courses: trainingCourses(random),
      ...statistics(kind, index, random),
    };
    const base: Row = id === 'lcrca' ? LCRCA : row;
    const yearRow: Row =
      year === '2024-25' ? { ...base, ...figures2024For(id, name, kind, index, base.population ?? '', random2024) } : base;
    authoritiesCsv.write(csvLine(columns.map((column) => yearRow[column] ?? '')));

    const r = random();
    const registered = id === 'lcrca' ? 1 : r < 0.25 ? 0 : r < 0.75 ? 1 : between(2, 3, random);
    const unregistered = random() < 0.2 ? 1 : 0;
    for (let i = 0; i < registered + unregistered; i++) {
      const mo = person();
      const flag = i < registered ? oneOf(['yes', 'yes', 'Yes'], random) : oneOf(['no', 'No'], random);
      officersCsv.write(csvLine([id, `${mo.first} ${mo.surname}`, mo.email, flag]));
    }
  }
  authoritiesCsv.close();
  officersCsv.close();

  const from = YEARS[year].campaignDir;
  if (resolve(out) !== resolve(from)) {
    if (!existsSync(join(out, 'campaign.json'))) copyFileSync(join(from, 'campaign.json'), join(out, 'campaign.json'));
    if (!existsSync(join(out, 'templates'))) cpSync(join(from, 'templates'), join(out, 'templates'), { recursive: true });
  }
}

function main(): void {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      authorities: { type: 'string' },
      seed: { type: 'string', default: '2024' },
      year: { type: 'string', default: '2023-24' },
    },
  });
  const year = values.year as Year;
  const count = Number(values.authorities);
  const seed = Number(values.seed);
  if (!values.out || !Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(seed) || !(year in YEARS)) {
    console.error(`usage: tsx scripts/generate-data.ts --out DIR --authorities N [--seed S] [--year ${Object.keys(YEARS).join('|')}]`);
    process.exit(2);
  }
  const started = performance.now();
  generateData(values.out, count, seed, year);
  console.log(`wrote ${count} authorities to ${values.out} in ${Math.round(performance.now() - started)} ms`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
