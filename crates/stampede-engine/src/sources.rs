//! Source addresses of users (`<client>`'s `<ip>` and `<iprange>`): new users take the listed
//! addresses in turn, or a random address of the range; without either the kernel chooses.

use stampede_model::{Client, IpRange, IpSource};
use stampede_scheduler::mix_seed;
use std::net::{IpAddr, Ipv4Addr, ToSocketAddrs};

/// The source addresses of this process's users.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SourceAddrs {
    list: Vec<IpAddr>,
    range: Option<IpRange>,
}

impl SourceAddrs {
    /// From the `<client>`s that run here. Returns the addresses and a warning per entry that
    /// cannot be used.
    pub(crate) fn from_clients<'a>(
        clients: impl Iterator<Item = &'a Client>,
    ) -> (Self, Vec<String>) {
        let mut out = SourceAddrs::default();
        let mut warnings = Vec::new();
        for client in clients {
            for ip in &client.ips {
                match ip {
                    IpSource::Addr(a) => out.list.push(*a),
                    IpSource::Resolve => match (client.host.as_str(), 0).to_socket_addrs() {
                        Ok(addrs) => out.list.extend(addrs.map(|a| a.ip()).take(1)),
                        Err(e) => warnings.push(format!(
                            "<ip value=\"resolve\">: cannot resolve {}: {e}; ignored",
                            client.host
                        )),
                    },
                    IpSource::ScanInterface(name) => warnings.push(format!(
                        "<ip scan=\"true\" value=\"{name}\">: scanning interfaces is not \
                         supported yet; ignored (list the addresses with <ip value=…>)"
                    )),
                }
            }
            if out.range.is_none() {
                out.range = client.iprange.clone();
            }
        }
        (out, warnings)
    }

    /// The source address of a user: the next listed address (by user id), else a random one
    /// of the range (from the user's seed), else none.
    pub(crate) fn pick(&self, user_id: u64, seed: u64) -> Option<IpAddr> {
        if !self.list.is_empty() {
            let i = (user_id.saturating_sub(1) % self.list.len() as u64) as usize;
            return self.list.get(i).copied();
        }
        let range = self.range.as_ref()?;
        let mut state = mix_seed(seed, 0x4950);
        let mut octets = [0u8; 4];
        for (o, &(lo, hi)) in octets.iter_mut().zip(range.octets.iter()) {
            let (lo, hi) = (lo.min(hi), lo.max(hi));
            let span = u64::from(hi - lo) + 1;
            state = mix_seed(state, 1);
            *o = lo + (state % span) as u8;
        }
        Some(IpAddr::V4(Ipv4Addr::from(octets)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stampede_model::ClientKind;

    fn client(ips: Vec<IpSource>, iprange: Option<IpRange>) -> Client {
        Client {
            host: "localhost".into(),
            use_controller_vm: true,
            maxusers: 800,
            weight: 1.0,
            cpu: 1,
            kind: ClientKind::Machine,
            ips,
            iprange,
        }
    }

    #[test]
    fn listed_addresses_in_turn() {
        let a: IpAddr = "127.0.0.2".parse().unwrap();
        let b: IpAddr = "127.0.0.3".parse().unwrap();
        let (s, w) = SourceAddrs::from_clients(
            [client(vec![IpSource::Addr(a), IpSource::Addr(b)], None)].iter(),
        );
        assert!(w.is_empty());
        let picked: Vec<_> = (1..=4).map(|u| s.pick(u, 9).unwrap()).collect();
        assert_eq!(picked, vec![a, b, a, b]);
        assert_eq!(SourceAddrs::default().pick(1, 1), None);
    }

    #[test]
    fn random_addresses_of_the_range_per_seed() {
        let range = IpRange {
            octets: [(127, 127), (0, 0), (1, 2), (10, 20)],
        };
        let (s, _) = SourceAddrs::from_clients([client(vec![], Some(range))].iter());
        for seed in 0..100 {
            let IpAddr::V4(v4) = s.pick(seed, seed).unwrap() else {
                panic!("not v4")
            };
            let o = v4.octets();
            assert_eq!((o[0], o[1]), (127, 0));
            assert!((1..=2).contains(&o[2]) && (10..=20).contains(&o[3]), "{v4}");
            assert_eq!(s.pick(seed, seed), s.pick(seed + 1000, seed));
        }
        let (_, w) = SourceAddrs::from_clients(
            [client(vec![IpSource::ScanInterface("eth0".into())], None)].iter(),
        );
        assert_eq!(w.len(), 1);
    }
}
