//! The datasets `tweetner fetch` knows: where each file lives publicly and the
//! sha256 it must have.
//!
//! Checksums are pinned so that a changed upstream file, a proxy that rewrites
//! content or a truncated transfer is caught before any model trains on it.

/// One file of a dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSpec {
    /// Name under the install directory (e.g. `train.conll`).
    pub local: &'static str,
    /// Path under the dataset's base URL (e.g. `data/train`), also the name
    /// looked up first in a local source directory.
    pub remote: &'static str,
    /// Expected sha256, lowercase hex.
    pub sha256: &'static str,
    /// Whether an install from a local directory must have this file. Missing
    /// optional files only produce a warning, because the shared copy of
    /// WNUT-16 deliberately omits the test split.
    pub required: bool,
}

/// A named dataset: a public base URL plus its pinned files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetSpec {
    /// Registry name (`wnut16`, `wnut16-lexicon`).
    pub name: &'static str,
    /// Public base URL; every [`FileSpec::remote`] is joined onto it.
    pub base_url: &'static str,
    /// Environment variable that overrides [`DatasetSpec::base_url`]
    /// (used by tests and by mirrors).
    pub url_env: &'static str,
    /// Default install directory relative to the tweetner cache directory.
    pub cache_subdir: &'static str,
    /// The files, in install order.
    pub files: &'static [FileSpec],
}

const WNUT16_BASE: &str =
    "https://raw.githubusercontent.com/aritter/twitter_nlp/master/data/annotated/wnut16";

const WNUT16_FILES: &[FileSpec] = &[
    FileSpec {
        local: "train.conll",
        remote: "data/train",
        sha256: "5ec9db29c87fbf424860688fff08a485f6112137b930bb4799288399db9e153d",
        required: true,
    },
    FileSpec {
        local: "dev.conll",
        remote: "data/dev",
        sha256: "d555eff2d24f05b032a17d892dda766f8e4dc0436404c17f4c1c6841472928fd",
        required: true,
    },
    FileSpec {
        local: "test.conll",
        remote: "data/test",
        sha256: "4d96d1908d4fdda27f3738bfb83d26e9b9e0996e22d8e0788de7c11c25af6896",
        required: false,
    },
];

/// Builds a lexicon entry: the file keeps its upstream name locally.
const fn lex(name: &'static str, sha256: &'static str) -> FileSpec {
    FileSpec {
        local: name,
        remote: name,
        sha256,
        required: true,
    }
}

/// The shared task's gazetteers. `dictionaries.conf` also names `location`
/// and `people.person`; no verified copy of those two exists, so they are not
/// pinned here and consumers must tolerate their absence.
const WNUT16_LEXICON_FILES: &[FileSpec] = &[
    lex(
        "architecture.museum",
        "1cfa443d655043d337cc6c991ab561d6f2bda0609063437f67d94ee9ba619c81",
    ),
    lex(
        "automotive.make",
        "e3075bf769361de9d70c166fa685fe9982762719e4e933ea1b20f896a8ce7c10",
    ),
    lex(
        "automotive.model",
        "4fb7a5ae000aa317a441767c619b053e89752eb0b21705859f481d188907249a",
    ),
    lex(
        "award.award",
        "be6cd11b7710f6b6d0fa46f8e30f5173acf0c83e73c961a594216fb25ba7e105",
    ),
    lex(
        "base.events.festival_series",
        "f4bbdc8a6996b5f40901c8b5a65e0a9820ea563613dd227695f411ea369f93f9",
    ),
    lex(
        "bigdict",
        "3303a7e62d3d624d005c35db8990b3b7a19b399e0f76fdb044408be97261a712",
    ),
    lex(
        "book.newspaper",
        "217041b68e67a4a062a8b14461f4f300b2733ba6be4e156bd35408d8cd4d2121",
    ),
    lex(
        "broadcast.tv_channel",
        "d4aa4e31f3ad8b6ede4d95ec1364bdbda7732154d8f2b1aab90c7c7541342fb5",
    ),
    lex(
        "business.brand",
        "13e9b71c2611792be77ce3ebf85f90130e52d0b8b0e832ad88698939067d37ce",
    ),
    lex(
        "business.consumer_company",
        "35846444bb03daaa9dfdbff63030d4163a64df6967fc1fa0a30c463a1592a686",
    ),
    lex(
        "business.consumer_product",
        "b6f4aa62387ed185f080ae0b580d3b5fbd271f8897481ab00116fa7683e25b67",
    ),
    lex(
        "business.sponsor",
        "23e2ad81aa4002269cbddde26760ca9bddd4e18fe63fbf12127376c63e4d8a06",
    ),
    lex(
        "cap.10",
        "d23c0834d941b3aa9f0521c4b559d6b454155cddaf03c0523c6c584116649a11",
    ),
    lex(
        "cap.100",
        "a70747fc26c36e9d46dd7139bcf4b028c3e5cb300463c3de43085a49a5e1defa",
    ),
    lex(
        "cap.1000",
        "6cea1dade25c1381de9d287fd9c4ca0f67bda32d8bae8efe97e96f43f6be7e51",
    ),
    lex(
        "cap.500",
        "e69e539568ef71ae03d90f532c7efbd651befdadc5386e166bd41b471774eb8c",
    ),
    lex(
        "cvg.computer_videogame",
        "7554e094a34acb45bd4bce0112986740569f294d5868690fc10c75ca26afb208",
    ),
    lex(
        "cvg.cvg_developer",
        "5eead75b4d8cbfd6684e3d7abea793133ad95ebb4add92648e9b93150d555817",
    ),
    lex(
        "cvg.cvg_platform",
        "394cbed751e12ebffefa85568ff0e4d1c771c4d8f997e4a4b69cbcf8530e3c91",
    ),
    lex(
        "dictionaries.conf",
        "88ff9a461412ed0fcc4349207e44fe6d4d12ed1fcf8fa39449ac8f832eaa4418",
    ),
    lex(
        "education.university",
        "03d079f329c883f994f651e5dbea9e962ba9443c274b99a3955bd876cc6d2c8e",
    ),
    lex(
        "english.stop",
        "a23a6e47e17f1270a6e5aa97c43b2fabd2f902740e41ceabff82167814be8dc6",
    ),
    lex(
        "firstname.10",
        "de82910fdc2e0697a01d6507d02c9a60fe7677f53622b8d6d2b437c84f41bec9",
    ),
    lex(
        "firstname.100",
        "e7d80dd94167bcf478ebbd4d6c92fd5ccf558c23b1d71bdb08478f5835c987ed",
    ),
    lex(
        "firstname.1000",
        "76aadc1472564f696930fb1b101ba6195b3906ae69699f280e72cd997bf3d40f",
    ),
    lex(
        "firstname.500",
        "76aadc1472564f696930fb1b101ba6195b3906ae69699f280e72cd997bf3d40f",
    ),
    lex(
        "firstname.5k",
        "61699eae8b13f2ba42de1b9e4c04f3399ad86021cea55b25439f201065d50c87",
    ),
    lex(
        "government.government_agency",
        "a178fac2ea3da96b7b965bd5a67fe9322739c7ac997b50cec8a8d791565feba8",
    ),
    lex(
        "internet.website",
        "2b40acb0656b4314a1d452a5c262cf211dedcbc24f14687201cbe691f80e376d",
    ),
    lex(
        "lastname.10",
        "0713d0518ae4cf0c7c87ffaa3c6900d0de1776d149a261eaf60b70c501fc2878",
    ),
    lex(
        "lastname.100",
        "eb0811037c96ec8859196f914213dcc68ecb58106513baa9e9411db5ee614aa0",
    ),
    lex(
        "lastname.1000",
        "47f60f84f365db58a9e0c7c4d16ff01fd14022a6f3f19ef14fd2eb40f627ab4e",
    ),
    lex(
        "lastname.500",
        "d16652a276a81cf58429e61f11198f237e2a7428778f61672fe3e80c34b51711",
    ),
    lex(
        "lastname.5000",
        "1b9616a47bb9c5421d5f25a14387246fe9f1acadd7eae34d037c446376309632",
    ),
    lex(
        "location.country",
        "a2d24b5ca7f2268619448e5dd924cbfb7f1dc7ab7353e8901f4c357203007873",
    ),
    lex(
        "lower.100",
        "6f0b6d694d9f5b972cbedd66d4270492d1d1042b1a862aed4d39a030e4275adb",
    ),
    lex(
        "lower.1000",
        "e08caf12a2b62137b307502ac29f0c0ca6bb8a0fa38ab14282be76242faf71c4",
    ),
    lex(
        "lower.10000",
        "a2028ed0287efe7d3605df459ae84b39339be7618c10e96e724414d04cb3fedb",
    ),
    lex(
        "lower.500",
        "767e97b4a6c2bedba06a00ea191604e146406cb0496fa5ff199b8942237e6ea9",
    ),
    lex(
        "lower.5000",
        "c4b00534e785ee829141f2301d37c090ebee6d1709c495453010c51a497dccd7",
    ),
    lex(
        "people.family_name",
        "90e3af9f59b9006eaa75f10bf6f955230ab49d57b0a8975087f7ce242c40801b",
    ),
    lex(
        "people.person.lastnames",
        "7eea07a81ffb8101721abab0277f64e77711ecb401845b8a75c501e930c9a072",
    ),
    lex(
        "product",
        "cbaeb6823b23b84cebf3e610897e48ecc6864439ef4c031596e8d9da80ece485",
    ),
    lex(
        "sports.sports_league",
        "a4c4f34fb0f28bbc51db0e11d7233c0fae7ec7e3141eaec91205b673b3d09165",
    ),
    lex(
        "sports.sports_team",
        "a09f877c9fbbb9cfdad41116e3a3885efef82e5f9e618350a8355040dcd367a7",
    ),
    lex(
        "time.holiday",
        "78bf8fd2f08fc0136bdbbc84bfe233e49ac3424de6044ffc1d3d014751cf484a",
    ),
    lex(
        "time.recurring_event",
        "03aac55fbc194b5ff757e429d20da0267d64c203a240acb62d28e00276b2adc4",
    ),
    lex(
        "transportation.road",
        "dd99ee86ecab5605dcd15aaccf5eecd33b618df1bec2af48de13c7da9e849ed9",
    ),
    lex(
        "tv.tv_network",
        "6a58997619e80759d78072dca9fa6c270408c2ba00b4b0d1fbabf9bfeed26eed",
    ),
    lex(
        "tv.tv_program",
        "114d2844647ea462cde6599762fd97d206beeda35497fae90ab41887f3459345",
    ),
    lex(
        "venture_capital.venture_funded_company",
        "d1787b8888be9812e8ef8e462d39b1f8776e051adefc77ee83899013722a5315",
    ),
    lex(
        "venues",
        "303adc23ed55d3720fb4f2fc248d8ed13a292be544c488f62b3eb878215a7c96",
    ),
];

static REGISTRY: &[DatasetSpec] = &[
    DatasetSpec {
        name: "wnut16",
        base_url: WNUT16_BASE,
        url_env: "TWEETNER_WNUT16_URL",
        cache_subdir: "wnut16",
        files: WNUT16_FILES,
    },
    DatasetSpec {
        name: "wnut16-lexicon",
        base_url: "https://raw.githubusercontent.com/aritter/twitter_nlp/master/data/annotated/wnut16/lexicon",
        url_env: "TWEETNER_WNUT16_LEXICON_URL",
        cache_subdir: "wnut16/lexicon",
        files: WNUT16_LEXICON_FILES,
    },
];

/// All known datasets.
pub fn registry() -> &'static [DatasetSpec] {
    REGISTRY
}

/// Looks a dataset up by name.
pub fn dataset(name: &str) -> Result<&'static DatasetSpec, crate::FetchError> {
    REGISTRY
        .iter()
        .find(|d| d.name == name)
        .ok_or_else(|| crate::FetchError::UnknownDataset {
            name: name.to_string(),
            known: REGISTRY
                .iter()
                .map(|d| d.name)
                .collect::<Vec<_>>()
                .join(", "),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_digests_well_formed() {
        let mut names: Vec<_> = registry().iter().map(|d| d.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), registry().len());
        for d in registry() {
            let mut locals: Vec<_> = d.files.iter().map(|f| f.local).collect();
            locals.sort_unstable();
            locals.dedup();
            assert_eq!(locals.len(), d.files.len(), "duplicate file in {}", d.name);
            for f in d.files {
                assert_eq!(f.sha256.len(), 64, "{}/{}", d.name, f.local);
                assert!(
                    f.sha256
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
                    "{}/{}",
                    d.name,
                    f.local
                );
            }
        }
    }

    #[test]
    fn lookup_reports_known_names() {
        assert_eq!(dataset("wnut16").map(|d| d.files.len()).ok(), Some(3));
        assert_eq!(
            dataset("wnut16-lexicon").map(|d| d.files.len()).ok(),
            Some(52)
        );
        let err = dataset("conll03")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("conll03") && err.contains("wnut16"), "{err}");
    }
}
